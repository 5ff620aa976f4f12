"""Vocabulary of user prompts, in the languages seen in real sessions (en, ru, pt, zh, es, de, fr)."""

from __future__ import annotations

import re

# A prompt that pushes back on what the agent did. Anchored near the start or explicit, so that
# "no errors please" in a task description is not read as a correction.
_CORRECTION = re.compile(
    r"^\s*(no[,.! ]|nope\b|stop\b|wait\b|don'?t\b|do not\b|wrong\b|that'?s (not|wrong)|not what i|undo\b|revert\b"
    r"|нет[,.! ]|не так|стоп\b|неправильно|não[,.! ]|errado|pare\b|espera\b|不对|不是|错了|停|别"
    r"|nein\b|falsch|non[,.! ]|pas ça|incorrecto|eso no)"
    r"|\b(you (broke|deleted|removed|ignored|forgot|didn'?t)|that (broke|is wrong|didn'?t work)|still (broken|failing|not working)"
    r"|i said|i told you|why did you|revert (that|this|it)|this is wrong|doesn'?t work|not working)\b",
    re.IGNORECASE,
)


def is_correction(text: str) -> bool:
    """Whether a prompt corrects, rejects or pushes back on the agent."""
    return bool(text) and _CORRECTION.search(text[:400]) is not None
