"""Drawing one synthetic session's facets, signals and shape from the study's figures (models.calibration).

Every function takes the session's own random generator, so a session depends only on (seed, i).
"""

from __future__ import annotations

import math
import random
from typing import Any

from models import calibration as cal

HARD_SUCCESS = {  # kinds of hard success signal that fit each mode (a weighted bag)
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


def draw(rng: random.Random, shares: dict[Any, float]) -> Any:
    """One key, with probability proportional to its share."""
    u, acc = rng.random() * sum(shares.values()), 0.0
    for key, share in shares.items():
        acc += share
        if u < acc:
            return key
    return key


def mode_shares(pos: float) -> dict[str, float]:
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


def draw_hard(rng: random.Random, bag: tuple[str, ...], k: int) -> tuple[str, ...]:
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


def draw_signals(
    rng: random.Random, e: int, outcome: str, mode: str
) -> tuple[int, int, tuple[str, ...], tuple[str, ...]]:
    """(success signal, failure signal, hard success kinds, hard failure kinds) of one session."""
    success = draw(rng, dict(enumerate(cal.SOFT_SUCCESS_SIGNAL[outcome])))
    if outcome == "succeeded" and rng.random() < cal.VERIFIED_SUCCESS[e] / cal.SUCCEEDED[e]:
        success = 5 if rng.random() < cal.SEVERAL_HARD else 4
    elif outcome == "partially_succeeded" and rng.random() < cal.PARTIAL_HARD_SUCCESS:
        success = 4
    failure = draw(rng, dict(enumerate(cal.FAILURE_SIGNAL[outcome])))
    if outcome == "partially_succeeded" and failure >= 4 and success < 4:
        success = 1  # it ends on an error or a complaint: only faintly a success
    hard_s = draw_hard(rng, HARD_SUCCESS[mode], 1 if success == 4 else rng.choice((2, 2, 3))) if success >= 4 else ()
    bag = ("final_error", "complaint") + (("tests_fail",) if mode in ("build", "fix", "test") else ())
    clash = {"tests_fail": "tests", "complaint": "affirm"}  # not both ends of the same signal
    bag = tuple(k for k in bag if clash.get(k) not in hard_s)
    hard_f = draw_hard(rng, bag, failure - 3) if failure >= 4 else ()
    return success, failure, hard_s, hard_f


def draw_pushback(rng: random.Random, outcome: str, failure: int, no_edits: bool) -> str | None:
    """How the failure signal shows as pushback (METHOD: 3 = gave up on a sub-task or the user pushed back)."""
    if failure < 3 or (failure > 3 and rng.random() < 0.5):
        return None
    if outcome == "failed" and (failure == 3 or rng.random() < 0.5):
        return "giveup"  # the agent gives up on the task itself
    if outcome == "partially_succeeded" and not no_edits and rng.random() < 0.5:
        return "giveup"  # on a sub-task, the rest of the change stands
    return rng.choice(("correction", "interrupt") if no_edits else ("correction", "reject", "interrupt"))


def draw_goal_less(rng: random.Random, success: int, failure: int) -> str:
    if failure:
        return "explore"  # the recovered blip needs an action
    if success == 0:
        return "aborted"  # the person leaves before the agent answers: nothing at all
    return rng.choice(("greet", "idle", "explore", "probe"))


def goal_less_shape(rng: random.Random, kind: str, words: list[int]) -> tuple[list[int], list[int]]:
    """No task, so little work: a reply, perhaps a look at a file or two."""
    if kind == "aborted":
        return [0], [0]
    most = 3 if kind == "explore" else 1
    return [rng.randint(1 if kind == "explore" else 0, most) for _ in words], words


def draw_shape(rng: random.Random, e: int, turns_p: float, no_goal: bool, mult: float) -> tuple[list[int], list[int]]:
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


def turn_stop_rate() -> float:
    # per-turn stop rate of regular sessions, so that the mean over all sessions is about MEAN_TURNS
    short = cal.NO_CLEAR_GOAL * 1.5 + 0.025  # no-goal sessions (1-2 turns) and runaways (1 turn)
    mean = (cal.MEAN_TURNS - short) / (1 - cal.NO_CLEAR_GOAL - 0.025)
    return math.log(mean / (mean - 1))
