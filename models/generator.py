"""Synthetic sessions calibrated to the study's figures (models.calibration), with known truth.

For the demo, tests and benchmarks. Pure and deterministic: the same seed gives the same
sessions, byte for byte, and session i depends only on (seed, i), so a larger run extends a
smaller one. Time is an argument; nothing reads the clock.

    sessions = generate(2000, seed=7, start=1767225600.0, span_s=86400.0)
    for ts, key, value in messages(sessions):   # Kafka messages in event-time order
        ...
    msgs, dup_events = disorder(list(messages(sessions)), seed=1)   # at-least-once, out of order
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from models import calibration as cal
from models.classification import Classification, Outcome, WorkMode, derived
from models.decode import encode_batch
from models.generator_build import Builder, Plan, build
from models.generator_text import LANGS, PROJECTS, STACKS
from models.generator_tools import Workspace

Message = tuple[float, str, bytes]  # (max event time in it, key = session id, value)

USERS = 400  # size of the user pool; several sessions per user, as in real telemetry
FOREIGN_LANGUAGE = 0.08  # sessions whose prompts are not in English (our choice)
# failed sessions that never edit: with the non-editing modes, abandoned comes out near the study's
# 19% of troubled novice sessions and 5-7% of the others
ABANDON_NO_EDITS = {1: 0.38, 2: 0.2, 3: 0.2, 4: 0.2, 5: 0.2}
_HARD_SUCCESS = {  # kinds of hard success signal that fit each mode (a weighted bag)
    "build": ("commit", "commit", "tests", "tests", "pr", "affirm"),
    "fix": ("tests", "tests", "commit", "commit", "pr", "affirm"),
    "test": ("tests", "tests", "commit", "affirm"),
    "orchestrate": ("commit", "output", "tests", "affirm"),
    "operate": ("output", "output", "commit", "affirm"),
    "understand": ("affirm", "affirm", "output"),
    "plan": ("affirm", "affirm", "output"),
    "analyze": ("output", "output", "affirm"),
    "write": ("commit", "commit", "pr", "affirm"),
}
_STACK_BY_MODE = {"analyze": ("python",), "orchestrate": ("python", "typescript")}
_ALL_STACKS = ("python", "python", "typescript", "typescript", "go")


@dataclass(slots=True)
class GeneratedSession:
    session_id: str
    agent: str
    model: str
    project: str
    user: str
    expertise: int
    events: list[dict[str, Any]]  # JSON-ready native events, sorted by ts
    truth: dict[str, Any]  # structure(state) of these events + intended facets + derived() flags


def _pick(rng: random.Random, shares: dict[Any, float]) -> Any:
    u, acc = rng.random() * sum(shares.values()), 0.0
    for key, share in shares.items():
        acc += share
        if u < acc:
            return key
    return key


def _mode_shares(pos: float) -> dict[str, float]:
    """Shares at a position 0..1 of the study period (Oct to Apr), from the study's trend figures."""
    shares = {m: cal.MODE_TREND[m][0] + pos * (cal.MODE_TREND[m][1] - cal.MODE_TREND[m][0]) for m in cal.MODE_TREND}
    lo, hi = cal.ANALYZE_WRITE_TREND
    aw_base = cal.MODE_SHARES["analyze"] + cal.MODE_SHARES["write"]
    for m in ("analyze", "write"):
        shares[m] = (lo + pos * (hi - lo)) * cal.MODE_SHARES[m] / aw_base
    rest = [m for m in cal.MODE_SHARES if m not in shares]
    scale = (1.0 - sum(shares.values())) / sum(cal.MODE_SHARES[m] for m in rest)
    shares.update({m: cal.MODE_SHARES[m] * scale for m in rest})
    return shares


def _hard(rng: random.Random, bag: tuple[str, ...], k: int) -> tuple[str, ...]:
    kinds: list[str] = []
    for _ in range(12):
        kind = rng.choice(bag)
        if kind not in kinds:
            kinds.append(kind)
        if len(kinds) >= k:
            break
    if "pr" in kinds and "commit" not in kinds:
        kinds.append("commit")  # a PR needs a commit
    return tuple(kinds)


def _signals(rng: random.Random, e: int, outcome: str, mode: str) -> tuple[int, int, tuple[str, ...], tuple[str, ...]]:
    success = _pick(rng, dict(enumerate(cal.SOFT_SUCCESS_SIGNAL[outcome])))
    if outcome == "succeeded" and rng.random() < cal.VERIFIED_SUCCESS[e] / cal.SUCCEEDED[e]:
        success = 5 if rng.random() < cal.SEVERAL_HARD else 4
    elif outcome == "partially_succeeded" and rng.random() < cal.PARTIAL_HARD_SUCCESS:
        success = 4
    failure = _pick(rng, dict(enumerate(cal.FAILURE_SIGNAL[outcome])))
    if outcome == "partially_succeeded" and failure >= 4 and success < 4:
        success = 1  # it ends on an error or a complaint: only faintly a success
    hard_s = _hard(rng, _HARD_SUCCESS[mode], 1 if success == 4 else rng.choice((2, 2, 3))) if success >= 4 else ()
    bag = ("final_error", "complaint") + (("tests_fail",) if mode in ("build", "fix", "test") else ())
    clash = {"tests_fail": "tests", "complaint": "affirm"}  # not both ends of the same signal
    bag = tuple(k for k in bag if clash.get(k) not in hard_s)
    hard_f = _hard(rng, bag, failure - 3) if failure >= 4 else ()
    return success, failure, hard_s, hard_f


def _pushback(rng: random.Random, outcome: str, failure: int, no_edits: bool) -> str | None:
    """How the failure signal shows as pushback (METHOD: 3 = gave up on a sub-task or the user pushed back)."""
    if failure < 3 or (failure > 3 and rng.random() < 0.5):
        return None
    if outcome == "failed" and (failure == 3 or rng.random() < 0.5):
        return "giveup"  # the agent gives up on the task itself
    if outcome == "partially_succeeded" and not no_edits and rng.random() < 0.5:
        return "giveup"  # on a sub-task, the rest of the change stands
    return rng.choice(("correction", "interrupt") if no_edits else ("correction", "reject", "interrupt"))


def _goal_less(rng: random.Random, success: int, failure: int) -> str:
    if failure:
        return "explore"  # the recovered blip needs an action
    if success == 0:
        return "aborted"  # the person leaves before the agent answers: nothing at all
    return rng.choice(("greet", "idle", "explore", "probe"))


def _goal_less_shape(rng: random.Random, kind: str, words: list[int]) -> tuple[list[int], list[int]]:
    """No task, so little work: a reply, perhaps a look at a file or two."""
    if kind == "aborted":
        return [0], [0]
    most = 3 if kind == "explore" else 1
    return [rng.randint(1 if kind == "explore" else 0, most) for _ in words], words


def _shape(rng: random.Random, e: int, turns_p: float, no_goal: bool, mult: float) -> tuple[list[int], list[int]]:
    """Actions and words per turn: lognormal actions per prompt (plus rare one-prompt runaways)."""
    lo, hi = cal.RUNAWAY_ACTIONS
    p_run = cal.RUNAWAY[e]
    if not no_goal and rng.random() < p_run:
        actions = [rng.randint(lo, hi)]
    else:
        # geometric: mostly short, with a long tail; no-goal sessions are one or two prompts
        turns = rng.randint(1, 2) if no_goal else min(1 + int(rng.expovariate(1.0) / turns_p), 40)
        p_all = p_run * (1 - cal.NO_CLEAR_GOAL)  # runaways come only from sessions with a goal
        body = (cal.ACTIONS_PER_PROMPT[e] - p_all * (lo + hi) / 2) / (1 - p_all)
        sigma = cal.ACTIONS_SIGMA
        apt = body * mult * rng.lognormvariate(-sigma * sigma / 2, sigma)
        total = round(apt * turns)
        weights = [rng.random() + (1.0 if k == 0 else 0.5) for k in range(turns)]
        scale = total / sum(weights)
        actions = [int(w * scale) for w in weights]
        actions[0] += total - sum(actions)
    sigma = cal.WORDS_SIGMA
    wpt = cal.WORDS_PER_TURN[e] * rng.lognormvariate(-sigma * sigma / 2, sigma)
    words = [max(1, round(wpt * (0.6 + 0.8 * rng.random()))) for _ in actions]
    return actions, words


def _turns_p() -> float:
    # per-turn stop rate of regular sessions, so that the mean over all sessions is about MEAN_TURNS
    short = cal.NO_CLEAR_GOAL * 1.5 + 0.025  # no-goal sessions (1-2 turns) and runaways (1 turn)
    mean = (cal.MEAN_TURNS - short) / (1 - cal.NO_CLEAR_GOAL - 0.025)
    return math.log(mean / (mean - 1))


def _session(seed: int, i: int, start: float, span_s: float, end_probability: float, drift: bool,
             turns_p: float) -> GeneratedSession:  # fmt: skip
    rng = random.Random(f"{seed}/{i}")
    pos = rng.random()
    mode = _pick(rng, _mode_shares(pos) if drift else cal.MODE_SHARES)
    e = _pick(rng, cal.EXPERTISE_MIX)
    no_goal = rng.random() < cal.NO_CLEAR_GOAL
    u = rng.random()
    outcome = ("no_clear_goal" if no_goal else "succeeded" if u < cal.SUCCEEDED[e]
               else "partially_succeeded" if u < cal.AT_LEAST_PARTIAL[e] else "failed")  # fmt: skip
    success, failure, hard_s, hard_f = _signals(rng, e, outcome, mode)
    plan_share = round(rng.betavariate(*cal.PLANNING_BETA), 2)
    exec_share = round(rng.betavariate(*cal.EXECUTION_BETA), 2)
    mult = max(0.3, 1 + cal.ACTIONS_BY_EXECUTION * (cal.USER_EXECUTION_SHARE - exec_share)
               + cal.ACTIONS_BY_PLANNING * (cal.USER_PLANNING_SHARE - plan_share))  # fmt: skip
    actions, words = _shape(rng, e, turns_p, no_goal, mult)
    # a failed session without a hard failure signal is one where the agent gave up before changing anything
    abandon = outcome == "failed" and (failure == 3 or rng.random() < ABANDON_NO_EDITS[e])
    no_edits = no_goal or abandon or mode in ("understand", "plan")
    pushback = _pushback(rng, outcome, failure, no_edits)
    if pushback in ("correction", "interrupt") and len(actions) < 2:  # the person corrects in a second prompt
        actions, words = [actions[0] - actions[0] // 2, actions[0] // 2], [words[0], max(1, words[0] // 2)]
    goal_less = _goal_less(rng, success, failure) if no_goal else None
    if goal_less is not None:
        actions, words = _goal_less_shape(rng, goal_less, words)
    partial = None  # how a partial success shows
    if outcome == "partially_succeeded":
        settle = len(actions) > 1 and rng.random() < 0.5
        partial = "giveup" if pushback == "giveup" else "settle" if settle else "incomplete"
    plan = Plan(
        mode=mode, expertise=e, outcome=outcome, success=success, failure=failure, actions=actions, words=words,
        hard_success=hard_s, hard_failure=hard_f, blips=(failure == 1) + (failure >= 3 and rng.random() < 0.5),
        loop=failure == 2 or (failure >= 3 and rng.random() < 0.2), pushback=pushback, no_edits=no_edits,
        lang=rng.randrange(len(LANGS)) if rng.random() < FOREIGN_LANGUAGE else None,
        no_goal=goal_less, partial=partial, end=rng.random() < end_probability,
    )  # fmt: skip
    agent = _pick(rng, cal.AGENTS)
    model = _pick(rng, cal.MODELS[agent])
    stack = rng.choice(_STACK_BY_MODE.get(mode, _ALL_STACKS))
    project = rng.choice(PROJECTS[stack])
    user = f"user-{rng.randrange(USERS):04d}"
    sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    ws = Workspace(rng, STACKS[stack], f"/home/{user}/src/{project.split('/')[1]}")
    b = Builder(rng, sid, agent, model, {"session_id": sid, "agent": agent, "user": user, "project": project}, ws)
    build(plan, b)
    if outcome == "failed":
        plan.success = 1 if b.edited else 0  # changes that came to nothing are a faint signal; else none
    dur = b.t
    scale = min(1.0, span_s / dur) if dur > 0 else 1.0
    t0 = start + pos * max(0.0, span_s - dur)
    for ev in b.events:
        ev["ts"] = round(t0 + ev["ts"] * scale, 3)
    return GeneratedSession(sid, agent, model, project, user, e, b.events, _truth(plan, b, plan_share, exec_share))


def _truth(plan: Plan, b: Builder, plan_share: float, exec_share: float) -> dict[str, Any]:
    n = b.n
    n["events"] = len(b.events)
    turns, actions = n["turns"], n["actions"]
    truth: dict[str, Any] = {
        "turns": turns, "actions": actions,
        "actions_per_prompt": actions / turns if turns else None,
        "words_per_turn": n["words"] / turns if turns else None,
        "lines_added": n["lines_added"], "lines_removed": n["lines_removed"],
        "code_changed": n["lines_added"] + n["lines_removed"] > 0,
        "commits": n["commits"], "pull_requests": n["pull_requests"], "test_runs": n["test_runs"],
        "test_passes": n["test_passes"], "test_failures": n["test_failures"], "errors": n["errors"],
        "user_corrections": n["user_corrections"],
        "duration_s": b.events[-1]["ts"] - b.events[0]["ts"],
        "output_tokens": n["output_tokens"], "events": n["events"],
    }  # fmt: skip
    c = Classification(
        work_mode=WorkMode(plan.mode), expertise=plan.expertise, outcome=Outcome(plan.outcome),
        success_signal=plan.success, failure_signal=plan.failure, user_planning_share=plan_share,
        user_execution_share=exec_share,
    )  # fmt: skip
    facets = {"work_mode": plan.mode, "expertise": plan.expertise, "outcome": plan.outcome,
              "success_signal": plan.success, "failure_signal": plan.failure,
              "user_planning_share": plan_share, "user_execution_share": exec_share}  # fmt: skip
    return {**truth, **facets, **derived(c, truth)}


def generate(n: int, *, seed: int, start: float, span_s: float, end_probability: float = 0.9,
             drift: bool = False) -> list[GeneratedSession]:  # fmt: skip
    """n sessions starting within [start, start + span_s) (epoch seconds, UTC), all events inside the span.

    end_probability: share of sessions closed by a session_end event; the rest close by inactivity.
    drift: move the work-mode shares along the study's Oct-to-Apr trend across the span.
    """
    if n < 0 or span_s <= 0 or not 0.0 <= end_probability <= 1.0:
        raise ValueError("need n >= 0, span_s > 0 and 0 <= end_probability <= 1")
    turns_p = _turns_p()
    return [_session(seed, i, start, span_s, end_probability, drift, turns_p) for i in range(n)]


def messages(sessions: Iterable[GeneratedSession], *, batch_events: int = 50, single: bool = False,
             linger_s: float = 30.0) -> Iterator[Message]:  # fmt: skip
    """Kafka messages of the sessions, interleaved in event-time order, keyed by session id.

    A batch holds consecutive events of one session and is sent when it is full, or when the
    session goes quiet for linger_s (as a transcript tailer flushes at the end of an agent turn).
    Each message carries the time of its last event; messages come out in that order.
    """
    lists = [s.events for s in sessions]
    order = [(ev["ts"], si, ei) for si, evs in enumerate(lists) for ei, ev in enumerate(evs)]
    order.sort()
    if single:
        for ts, si, ei in order:
            ev = lists[si][ei]
            yield ts, ev["session_id"], orjson.dumps(ev)
        return
    buffers: dict[int, list[dict[str, Any]]] = {}
    for ts, si, ei in order:
        evs = lists[si]
        buf = buffers.setdefault(si, [])
        buf.append(evs[ei])
        nxt = ei + 1
        if len(buf) >= batch_events or nxt == len(evs) or evs[nxt]["ts"] - ts > linger_s:
            sid = evs[ei]["session_id"]
            yield ts, sid, encode_batch(sid, buf)
            del buffers[si]


def disorder(msgs: list[Message], *, seed: int, duplicate_rate: float = 0.02, reorder_rate: float = 0.05,
             max_shift: int = 20) -> tuple[list[Message], int]:  # fmt: skip
    """At-least-once, out-of-order delivery: redeliver some messages a little later and move others.

    Returns the new message list and the number of duplicated events in it (what an idempotent
    consumer must ignore).
    """
    rng = random.Random(seed)
    out = list(msgs)
    dup_events = 0
    for i in sorted(rng.sample(range(len(msgs)), round(len(msgs) * duplicate_rate)), reverse=True):
        doc = orjson.loads(msgs[i][2])
        dup_events += len(doc["events"]) if "events" in doc else 1
        out.insert(min(len(out), i + 1 + rng.randrange(max_shift)), msgs[i])
    for i in range(len(out)):
        if rng.random() < reorder_rate:
            j = min(len(out) - 1, i + 1 + rng.randrange(max_shift))
            out[i], out[j] = out[j], out[i]
    return out, dup_events
