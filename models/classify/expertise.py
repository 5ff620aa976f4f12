"""Expertise shown on the task and decision attribution (METHOD.md facets 2 and 6).

Expertise has three equal signals: how precisely the person sets up the task, what verification
they ask for, and who corrects whom. Each is scored -1..+1 around the intermediate level (3).
Decisions: planning (what, which approach, when done) and execution (which files, code, commands);
the user's share of each rises with the specifics they give and falls with what the agent proposes
and picks on its own (plans, todo lists, sub-agents).
"""

from __future__ import annotations

from models.classify.signals import Signals
from models.language import asks_naive_check, asks_verification, is_question, teaches
from models.session import SessionState

_NOVICE_ASKS = (
    "how do i",
    "how can i",
    "what is a",
    "what does",
    "i don't know",
    "i'm new",
    "beginner",
    "как сделать",
    "что такое",
    "não sei",
    "como faço",
    "怎么做",
    "什么是",
    "不会",
    "cómo hago",
    "wie mache ich",
    "comment faire",
)


def expertise(state: SessionState, s: Signals) -> int | None:
    if s.words_typed < 4:
        return None  # nothing typed that shows how the person works (a bare slash command, a probe)
    scores = s.precision
    best = max(scores)
    mean = sum(scores) / len(scores)
    short = s.words_typed < 15 or s.words_typed < 20 * len(scores)  # short prompts, not a short session
    setup = 1 if best >= 3 or mean >= 2 else (-1 if best <= 1 and short else 0)
    # verification: specific checks asked for (+1), or only "does it work?" (-1)
    if any(asks_verification(p) for p in s.prompts):
        verify = 1
    else:
        verify = -1 if any(asks_naive_check(p) for p in s.prompts) else 0
    if (s.corrections >= 1 and best >= 2) or any(teaches(p) for p in s.prompts):
        corrects = 1  # the person catches the agent's mistakes, or warns it of them, with specifics
    elif any(p.lower().startswith(_NOVICE_ASKS) for p in s.prompts):
        corrects = -1  # the agent teaches the person
    else:
        corrects = 0
    total = setup + verify + corrects
    # One weak signal alone keeps the intermediate default; it takes two to move down a level.
    level = 3 + (total >= 1) + (total >= 3) - (total <= -2) - (total <= -3)
    return max(1, min(5, level))


def decision_shares(state: SessionState, s: Signals) -> tuple[float | None, float | None]:
    """(user share of planning decisions, user share of execution decisions), or None without prompts."""
    if not s.prompts:
        return None, None
    precise = s.precision
    asked = [is_question(p) for p in s.prompts]
    steering = sum(1 for p, question in zip(s.prompts, asked, strict=True) if len(p.split()) >= 6 and not question)
    questions = sum(asked)
    actions = state.n.get("actions", 0)
    # Planning: the person states what to do and pushes back; the agent plans, lists todos, delegates.
    planning = 0.45 + 0.06 * min(steering, 5) + 0.04 * min(questions, 3) + 0.05 * min(s.corrections, 3)
    planning += 0.05 * min(s.ask_tools, 3)  # the agent asked: the person chose
    planning += 0.05 * min(max(precise), 4) / 2
    planning -= 0.08 * min(s.plan_tools, 3) + 0.04 * min(s.agent_tools, 3)
    planning -= 0.1 if actions / max(len(s.prompts), 1) > 30 else 0.0
    # Execution: the person names files, identifiers, commands; otherwise the agent chooses.
    execution = 0.05 + 0.04 * sum(precise) / len(precise) + 0.04 * min(s.corrections + s.rejections, 3)
    execution += 0.1 if actions == 0 else 0.0
    execution -= 0.05 if actions / max(len(s.prompts), 1) > 30 else 0.0
    return _clamp(planning), _clamp(execution)


def _clamp(x: float) -> float:
    return round(max(0.0, min(1.0, x)), 2)
