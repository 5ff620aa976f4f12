import pytest

from models.windows import (
    MODES,
    OTHER,
    SEP,
    WindowSpec,
    add_to_bucket,
    cohort_stats,
    contribution,
    parse_windows,
    snapshot,
    sum_buckets,
    top_cohorts,
)

H = WindowSpec("1h", 3600, 300)


def record(
    sid,
    ts,
    mode="build",
    outcome="succeeded",
    success=4,
    failure=0,
    rev=1,
    project="p",
    added=10,
    turns=2,
    actions=10,
    words=100,
    expertise=3,
):
    rated = outcome != "no_clear_goal"
    troubled = failure >= 3
    return {
        "session_id": sid, "rev": rev, "end_ts": ts, "agent": "claude_code", "model": "m", "project": project,
        "classification": {"work_mode": mode, "expertise": expertise, "outcome": outcome, "success_signal": success,
                           "failure_signal": failure, "user_planning_share": 0.5, "user_execution_share": 0.25,
                           "occupation": "unclear"},
        "structure": {"turns": turns, "actions_per_prompt": actions / turns if turns else None,
                      "words_per_turn": words / turns if turns else None, "lines_added": added},
        "derived": {"rated": rated,
                    "verified_success": (outcome == "succeeded" and success >= 4) if rated else None,
                    "at_least_partial": outcome in ("succeeded", "partially_succeeded") if rated else None,
                    "troubled": troubled if rated else None,
                    "abandoned": (troubled and outcome == "failed" and added == 0) if rated else None},
    }  # fmt: skip


def test_window_arithmetic():
    assert H.bucket(3599.9) == 3300 and H.bucket(3600) == 3600
    assert H.end_containing(3601) == 3900
    assert list(H.buckets_of(3900)) == list(range(300, 3900, 300))
    assert len(H.buckets_of(3900)) == 12
    assert parse_windows("1h:3600:300,24h:86400:3600")[1] == WindowSpec("24h", 86400, 3600)
    with pytest.raises(ValueError, match="multiple"):
        parse_windows("x:100:30")
    with pytest.raises(ValueError, match="name:size_s:step_s"):
        parse_windows("1h")


def window(records, end=7200):
    buckets: dict[int, dict] = {}
    for r in records:
        add_to_bucket(buckets.setdefault(H.bucket(r["end_ts"]), {}), contribution(r))
    return sum_buckets(buckets.get(b) for b in H.buckets_of(end))


def test_shares_sum_to_one_and_rates_exclude_no_clear_goal():
    recs = [record("a", 4000, "build"), record("b", 4100, "fix", outcome="failed", success=0, failure=4, added=0),
            record("c", 4200, "fix", outcome="no_clear_goal", success=0), record("d", 4300, "write",
            outcome="partially_succeeded", success=2)]  # fmt: skip
    st = cohort_stats(window(recs)[f"all{SEP}all"])
    assert st["sessions"] == 4 and st["rated_sessions"] == 3
    assert sum(st["work_mode_share"].values()) == pytest.approx(1.0)
    assert st["work_mode_share"]["fix"] == 0.5
    assert st["outcome_rate"]["verified_success"] == pytest.approx(1 / 3)
    assert st["outcome_rate"]["at_least_partial"] == pytest.approx(2 / 3)
    assert st["outcome_rate"]["troubled"] == pytest.approx(1 / 3)
    assert st["outcome_rate"]["abandoned"] == pytest.approx(1 / 3)
    assert st["actions_per_prompt"] == 5 and st["words_per_prompt"] == 50
    assert st["user_planning_share"] == 0.5


def test_sessions_outside_the_window_do_not_count():
    st = cohort_stats(
        window([record("a", 3599), record("b", 3600), record("c", 7199), record("d", 7200)])[f"all{SEP}all"]
    )
    assert st["sessions"] == 2  # window [3600, 7200)


def test_retraction_makes_a_reclassified_session_count_once():
    bucket: dict = {}
    first = contribution(record("a", 4000, "build"))
    second = contribution(record("a", 4000, "fix", rev=2))
    add_to_bucket(bucket, first)
    add_to_bucket(bucket, first, -1)
    add_to_bucket(bucket, second)
    st = cohort_stats(bucket[f"all{SEP}all"])
    assert st["sessions"] == 1 and st["work_mode_sessions"]["fix"] == 1 and st["work_mode_sessions"]["build"] == 0
    add_to_bucket(bucket, second, -1)
    assert bucket == {}


def test_same_windows_whatever_the_arrival_order():
    recs = [record(str(i), 3600 + i * 97, MODES[i % 9], project=f"p{i % 4}") for i in range(60)]
    assert window(recs) == window(list(reversed(recs)))


def test_cohorts_and_cardinality_folding():
    recs = [record(str(i), 4000, project=f"p{i % 15}") for i in range(30)]
    totals = window(recs)
    top = top_cohorts(totals, 10)
    projects = [k for k in top if k.startswith("project" + SEP)]
    assert len(projects) == 11 and f"project{SEP}{OTHER}" in top
    assert sum(top[k][0] for k in projects) == 30
    snap = snapshot(H, 7200, totals)
    assert snap["cohorts"]["expertise"]["intermediate"]["sessions"] == 30
    assert snap["start"] == 3600 and snap["end"] == 7200
