"""What the person and the agent say in a synthetic session, chosen so that the text carries the
evidence METHOD.md's definitions read: expertise in the wording of the task (set-up precision,
verification asked for, who corrects whom), partial success in the last prompt or the agent's
closing report, a goal-less session in its prompts, and a faint success in a hedged closing.
"""

from __future__ import annotations

import random
from typing import Any

from models.generator_text import (
    ADVANCED,
    ADVANCED_READ,
    AREAS,
    BEGINNER,
    CORRECTIONS,
    CORRECTIONS_I18N,
    DATA_FILES,
    EXPERT,
    EXPERT_READ,
    FEATURES,
    FOLLOW_UPS,
    FOLLOW_UPS_I18N,
    GIVE_UP,
    GIVE_UP_ALL,
    GOTCHAS,
    HEDGE,
    IDENTS,
    INCOMPLETE,
    NO_GOAL,
    NOVICE,
    NOVICE_I18N,
    SETTLE,
    TASKS,
    TASKS_I18N,
    VERIFY_I18N,
)
from models.generator_tools import Workspace, below, pick


def prompt_text(plan: Any, ws: Workspace, turn: int, correction: bool, last: bool, project: str) -> str:
    """The person's prompt of one turn (plan is a generator_build.Plan)."""
    rng = ws.rng
    if plan.no_goal:
        text = pick(rng, NO_GOAL[plan.no_goal])
    elif correction:
        text = CORRECTIONS_I18N[plan.lang] if plan.lang is not None else pick(rng, CORRECTIONS)
    elif turn == 0:
        text = _task(plan, ws, rng, project)
    elif last and plan.partial == "settle":
        text = pick(rng, SETTLE)  # the person settles for part of the task
    else:
        text = FOLLOW_UPS_I18N[plan.lang] if plan.lang is not None else pick(rng, FOLLOW_UPS)
    return _fill(text, ws) if "{" in text else text


def _fill(text: str, ws: Workspace) -> str:
    rng = ws.rng
    fill = {"code": ws.rel("code"), "test": ws.rel("test"), "file": ws.rel("code"), "data": pick(rng, DATA_FILES),
            "area": pick(rng, AREAS), "feature": pick(rng, FEATURES)}  # fmt: skip
    return text.format_map(fill)


def _task(plan: Any, ws: Workspace, rng: random.Random, project: str) -> str:
    """The first prompt: the mode's task, worded the way a person of this expertise sets it up.

    Experts name code, state constraints, teach the agent a pitfall and ask for specific checks;
    advanced users name code and ask for tests; intermediate users state the task plainly;
    beginners and novices are vague, ask to be taught and (novices) ask only whether it works.
    """
    e, lang = plan.expertise, plan.lang
    if lang is not None:
        task = _fill(pick(rng, TASKS_I18N[plan.mode][lang : lang + 1]), ws)
        if e >= 4:
            issue = f"https://github.com/{project}/issues/{below(rng, 10, 900)}"
            return f"{task} (`{pick(rng, IDENTS)}`, `{pick(rng, IDENTS)}`, {issue}) {VERIFY_I18N[lang]}"
        return NOVICE_I18N[lang] + task if e <= 2 else task
    task = _fill(pick(rng, TASKS[plan.mode]), ws)
    if e == 3:
        return task
    if e <= 2:
        bare = task.rstrip("?.")
        return pick(rng, NOVICE if e == 1 else BEGINNER).format(task=bare[:1].lower() + bare[1:])
    id1, id2 = pick(rng, IDENTS[:5]), pick(rng, IDENTS[5:])
    reading = plan.mode in ("understand", "plan")
    if e == 4:
        return (ADVANCED_READ if reading else ADVANCED).format(task=task.rstrip("?."), id1=id1, id2=id2,
                                                               code=ws.rel("code"))  # fmt: skip
    if reading:
        return EXPERT_READ.format(task=task.rstrip("?."), id1=id1, id2=id2, code=ws.rel("code"),
                                  gotcha=pick(rng, GOTCHAS))  # fmt: skip
    return EXPERT.format(task=task.rstrip("?."), id1=id1, id2=id2, code=ws.rel("code"), gotcha=pick(rng, GOTCHAS),
                         test_cmd=ws.command("test"))  # fmt: skip


def closing_text(plan: Any, rng: random.Random, plain: str) -> str:
    """The agent's last words: a sub-task given up, the whole task given up, work left undone, a hedge."""
    area, feature = pick(rng, AREAS), pick(rng, FEATURES)
    parts = []
    if plan.pushback == "giveup":
        parts.append((GIVE_UP_ALL if plan.outcome == "failed" else GIVE_UP).format(area=area))
    if plan.partial == "incomplete":
        parts.append(INCOMPLETE.format(area=area, feature=feature[:1].upper() + feature[1:]))
    if plan.success == 1 and plan.outcome != "failed":
        parts.append(HEDGE)
    return " ".join(parts) or plain
