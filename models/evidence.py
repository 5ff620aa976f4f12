"""Bounded evidence for the classifier: the study's truncation, applied as events arrive.

The study truncated each transcript to 5,000 characters a turn and 25,000 a session. We keep
the head of the session up to the session budget less a tail reserve, and a rolling tail of
the most recent items, because how a session ends (last test run, last error, the user's last
word) matters as much as how it starts.

Every open session holds one of these, so items are stored flat rather than as a list per
item (which cost ~110 bytes each besides the text): times in a float array, kinds and texts
alternating in one list, head items first, then the tail's. The changelog form is unchanged.
"""

from __future__ import annotations

import sys
from array import array
from typing import Any

from models.privacy import TextPolicy, apply_text_policy

# per-item caps, so one huge tool output cannot crowd out the rest of a turn
ITEM_CAP = {"prompt": 5000, "assistant": 600, "tool": 240, "result": 240, "error": 400}


class Evidence:
    __slots__ = ("_kt", "_nhead", "_ts", "dropped", "head_used", "policy", "session_chars", "tail_used",
                 "turn_chars", "turn_used")

    def __init__(self, turn_chars: int = 5000, session_chars: int = 25000, *, policy: TextPolicy = "keep") -> None:
        self.turn_chars = turn_chars
        self.session_chars = session_chars
        self.head_used = 0
        self.tail_used = 0
        self.turn_used = 0
        self.dropped = 0
        self.policy: TextPolicy = policy
        self._ts = array("d")  # time of every item, head then tail
        self._kt: list[str] = []  # kind, text, kind, text, ... in the same order
        self._nhead = 0  # how many of the items are the head's

    @property
    def tail_reserve(self) -> int:
        return self.session_chars // 5

    @property
    def head(self) -> list[list[Any]]:
        """The head's items as [ts, kind, text] (a fresh list: read it, do not change it)."""
        return [list(i) for i in self._slice(0, self._nhead)]

    @property
    def tail(self) -> list[list[Any]]:
        return [list(i) for i in self._slice(self._nhead, len(self._ts))]

    def _slice(self, start: int, stop: int) -> list[tuple[float, str, str]]:
        """(ts, kind, text) of items start..stop, built in C: the changelog codec calls this per write."""
        kt = self._kt
        return list(zip(self._ts[start:stop].tolist(), kt[2 * start:2 * stop:2], kt[2 * start + 1:2 * stop:2],
                        strict=True))

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
        tail_reserve = self.session_chars // 5  # self.tail_reserve, without the property call per item
        if self.head_used + size <= self.session_chars - tail_reserve:
            n = self._nhead
            if n == len(self._ts):
                self._ts.append(ts)
                self._kt += (kind, text)
            else:  # behind the head come the tail's items
                self._ts.insert(n, ts)
                self._kt[2 * n:2 * n] = (kind, text)
            self._nhead = n + 1
            self.head_used += size
            return
        self._ts.append(ts)
        self._kt += (kind, text)
        self.tail_used += size
        n = self._nhead
        while self.tail_used > tail_reserve and len(self._ts) > n:
            # the oldest tail item goes and gives back what it took (an empty item took 1)
            self.tail_used -= max(len(self._kt[2 * n + 1]), 1)
            del self._ts[n]
            del self._kt[2 * n:2 * n + 2]
            self.dropped += 1

    def clone(self) -> Evidence:
        # texts are never changed once added, so the copies share them
        other = Evidence(self.turn_chars, self.session_chars, policy=self.policy)
        other.head_used, other.tail_used, other.turn_used = self.head_used, self.tail_used, self.turn_used
        other.dropped, other._nhead = self.dropped, self._nhead
        other._ts = array("d", self._ts)
        other._kt = self._kt[:]
        return other

    def items(self) -> list[tuple[float, str, str]]:
        """All kept items in event-time order (arrival order breaks ties)."""
        merged = [(ts, n, kind, text) for n, (ts, kind, text) in enumerate(self._slice(0, len(self._ts)))]
        merged.sort(key=lambda x: (x[0], x[1]))
        return [(ts, kind, text) for ts, _, kind, text in merged]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Evidence):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it replaced

    def __repr__(self) -> str:
        return f"Evidence({self.to_dict()!r})"

    def to_dict(self) -> dict[str, Any]:
        # items as tuples: the same JSON arrays as the lists they were, at a third of the cost
        h, t = self._slice(0, self._nhead), self._slice(self._nhead, len(self._ts))
        return {"tc": self.turn_chars, "sc": self.session_chars, "h": h, "t": t,
                "hu": self.head_used, "tu": self.tail_used, "u": self.turn_used, "d": self.dropped, "p": self.policy}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        ev = cls(d["tc"], d["sc"], policy=d.get("p", "keep"))
        ev.head_used, ev.tail_used, ev.turn_used, ev.dropped = d["hu"], d["tu"], d["u"], d["d"]
        items = [*d["h"], *d["t"]]
        ev._nhead = len(d["h"])
        ev._ts = array("d", [i[0] for i in items])
        # kinds are a handful of words: share one copy of each instead of one per item and session
        ev._kt = [s for i in items for s in (sys.intern(i[1]), i[2])]
        return ev
