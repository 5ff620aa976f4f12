"""Bounded evidence for the classifier: the study's truncation, applied as events arrive.

The study truncated each transcript to 5,000 characters a turn and 25,000 a session. We keep
the head of the session up to the session budget less a tail reserve, and a rolling tail of
the most recent items, because how a session ends (last test run, last error, the user's last
word) matters as much as how it starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.privacy import TextPolicy, apply_text_policy

# per-item caps, so one huge tool output cannot crowd out the rest of a turn
ITEM_CAP = {"prompt": 5000, "assistant": 600, "tool": 240, "result": 240, "error": 400}


@dataclass(slots=True)
class Evidence:
    turn_chars: int = 5000
    session_chars: int = 25000
    head: list[list[Any]] = field(default_factory=list)  # [ts, kind, text]
    tail: list[list[Any]] = field(default_factory=list)
    head_used: int = 0
    tail_used: int = 0
    turn_used: int = 0
    dropped: int = 0
    policy: TextPolicy = "keep"

    @property
    def tail_reserve(self) -> int:
        return self.session_chars // 5

    def add(self, ts: float, kind: str, text: str, *, new_turn: bool = False) -> None:
        if new_turn:
            self.turn_used = 0
        cap = min(ITEM_CAP.get(kind, 240), self.turn_chars - self.turn_used)
        if cap <= 0:
            self.dropped += 1
            return
        if self.policy != "keep":
            text = apply_text_policy(text, self.policy)
        if len(text) > cap:
            text = text[: max(cap - 1, 0)] + "…"
        size = max(len(text), 1)  # an empty item still takes a slot, so the lists stay bounded
        self.turn_used += size
        if self.head_used + size <= self.session_chars - self.tail_reserve:
            self.head.append([ts, kind, text])
            self.head_used += size
            return
        self.tail.append([ts, kind, text])
        self.tail_used += size
        while self.tail_used > self.tail_reserve and self.tail:
            self.tail_used -= len(self.tail.pop(0)[2])
            self.dropped += 1

    def clone(self) -> Evidence:
        # items are never changed once added, so the lists can share them
        return Evidence(self.turn_chars, self.session_chars, list(self.head), list(self.tail), self.head_used,
                        self.tail_used, self.turn_used, self.dropped, self.policy)

    def items(self) -> list[tuple[float, str, str]]:
        """All kept items in event-time order (arrival order breaks ties)."""
        merged = [(i[0], n, i[1], i[2]) for n, i in enumerate(self.head + self.tail)]
        merged.sort(key=lambda x: (x[0], x[1]))
        return [(ts, kind, text) for ts, _, kind, text in merged]

    def to_dict(self) -> dict[str, Any]:
        return {"tc": self.turn_chars, "sc": self.session_chars, "h": self.head, "t": self.tail,
                "hu": self.head_used, "tu": self.tail_used, "u": self.turn_used, "d": self.dropped, "p": self.policy}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        return cls(d["tc"], d["sc"], d["h"], d["t"], d["hu"], d["tu"], d["u"], d["d"], d.get("p", "keep"))
