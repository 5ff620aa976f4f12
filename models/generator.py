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

import random
import uuid
from dataclasses import dataclass
from typing import Any

from models import calibration as cal
from models.classification import Classification, Outcome, WorkMode, derived
from models.generator_build import Builder, Plan, build
from models.generator_delivery import Message, disorder, messages
from models.generator_sampling import (
    draw,
    draw_goal_less,
    draw_pushback,
    draw_shape,
    draw_signals,
    goal_less_shape,
    mode_shares,
    turn_stop_rate,
)  # fmt: skip
from models.generator_text import LANGS, PROJECTS, STACKS
from models.generator_tools import Workspace

# messages() and disorder() live in generator_delivery; importers keep using them from here
__all__ = ["GeneratedSession", "Message", "disorder", "generate", "messages"]

USERS = 400  # size of the user pool; several sessions per user, as in real telemetry
FOREIGN_LANGUAGE = 0.08  # sessions whose prompts are not in English (our choice)
# failed sessions that never edit: with the non-editing modes, abandoned comes out near the study's
# 19% of troubled novice sessions and 5-7% of the others
ABANDON_NO_EDITS = {1: 0.38, 2: 0.2, 3: 0.2, 4: 0.2, 5: 0.2}
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


def _session(seed: int, i: int, start: float, span_s: float, end_probability: float, drift: bool,
             turns_p: float) -> GeneratedSession:  # fmt: skip
    rng = random.Random(f"{seed}/{i}")
    pos = rng.random()
    mode = draw(rng, mode_shares(pos) if drift else cal.MODE_SHARES)
    e = draw(rng, cal.EXPERTISE_MIX)
    no_goal = rng.random() < cal.NO_CLEAR_GOAL
    u = rng.random()
    outcome = ("no_clear_goal" if no_goal else "succeeded" if u < cal.SUCCEEDED[e]
               else "partially_succeeded" if u < cal.AT_LEAST_PARTIAL[e] else "failed")  # fmt: skip
    success, failure, hard_s, hard_f = draw_signals(rng, e, outcome, mode)
    plan_share = round(rng.betavariate(*cal.PLANNING_BETA), 2)
    exec_share = round(rng.betavariate(*cal.EXECUTION_BETA), 2)
    mult = max(0.3, 1 + cal.ACTIONS_BY_EXECUTION * (cal.USER_EXECUTION_SHARE - exec_share)
               + cal.ACTIONS_BY_PLANNING * (cal.USER_PLANNING_SHARE - plan_share))  # fmt: skip
    actions, words = draw_shape(rng, e, turns_p, no_goal, mult)
    # a failed session without a hard failure signal is one where the agent gave up before changing anything
    abandon = outcome == "failed" and (failure == 3 or rng.random() < ABANDON_NO_EDITS[e])
    no_edits = no_goal or abandon or mode in ("understand", "plan")
    pushback = draw_pushback(rng, outcome, failure, no_edits)
    if pushback in ("correction", "interrupt") and len(actions) < 2:  # the person corrects in a second prompt
        actions, words = [actions[0] - actions[0] // 2, actions[0] // 2], [words[0], max(1, words[0] // 2)]
    goal_less = draw_goal_less(rng, success, failure) if no_goal else None
    if goal_less is not None:
        actions, words = goal_less_shape(rng, goal_less, words)
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
    agent = draw(rng, cal.AGENTS)
    model = draw(rng, cal.MODELS[agent])
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
    turns_p = turn_stop_rate()
    return [_session(seed, i, start, span_s, end_probability, drift, turns_p) for i in range(n)]
