"""Bounded evidence for the classifier: the study's truncation, applied as events arrive.

The study truncated each transcript to 5,000 characters a turn and 25,000 a session. We keep
the head of the session up to the session budget less a tail reserve, and a rolling tail of
the most recent items, because how a session ends (last test run, last error, the user's last
word) matters as much as how it starts.

Every open session holds one of these, so items are stored flat rather than as a list per
item (a list cost ~110 bytes an item besides the text, a str object ~50): times in a float array,
each item as a kind code byte followed by its text in UTF-8 in one byte buffer, and where each
item ends in an int array; head items first, then the tail's. The changelog form is unchanged.
"""

from __future__ import annotations

from array import array
from itertools import accumulate
from sys import intern
from typing import Any

from models.privacy import TextPolicy, apply_text_policy

# per-item caps, so one huge tool output cannot crowd out the rest of a turn
ITEM_CAP = {"prompt": 5000, "assistant": 600, "tool": 240, "result": 240, "error": 400}

# kind <-> the byte that stands for it in the buffer; kinds come from code (and from changelog
# records written by it), so there are a handful. Codes stay below 128 so the buffer is valid
# UTF-8 as a whole, which _slice's one-decode fast path relies on.
_KINDS: list[str] = [*ITEM_CAP]
_CODES: dict[str, int] = {k: i for i, k in enumerate(_KINDS)}


def _code(kind: str) -> int:
    code = _CODES.get(kind)
    if code is None:
        if len(_KINDS) == 128:
            raise ValueError(f"too many evidence kinds (new: {kind!r})")
        code = _CODES[intern(kind)] = len(_KINDS)
        _KINDS.append(kind)
    return code


def _packed(kind: str, text: str) -> bytes:
    """One item as the buffer holds it: its kind's code byte, then its text in UTF-8."""
    return bytes((_code(kind),)) + text.encode("utf-8", "surrogatepass")


class Evidence:
    __slots__ = ("_ends", "_nhead", "_text", "_ts", "dropped", "head_used", "policy", "session_chars",
                 "tail_used", "turn_chars", "turn_used")

    def __init__(self, turn_chars: int = 5000, session_chars: int = 25000, *, policy: TextPolicy = "keep") -> None:
        self.turn_chars = turn_chars
        self.session_chars = session_chars
        self.head_used = 0
        self.tail_used = 0
        self.turn_used = 0
        self.dropped = 0
        self.policy: TextPolicy = policy
        self._ts = array("d")  # time of every item, head then tail
        self._text = bytearray()  # kind code byte + UTF-8 text, item after item, in the same order
        self._ends = array("I")  # where each item ends in _text
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

    def _span(self, i: int) -> tuple[int, int]:
        return (self._ends[i - 1] if i else 0), self._ends[i]

    def _slice(self, start: int, stop: int) -> list[tuple[float, str, str]]:
        """(ts, kind, text) of items start..stop: the changelog codec calls this per write."""
        if start >= stop:
            return []
        ends, buf = self._ends, self._text
        lo, hi = (ends[start - 1] if start else 0), ends[stop - 1]
        starts = [lo, *ends[start:stop - 1]]
        whole = buf[lo:hi].decode("utf-8", "surrogatepass")
        if len(whole) == hi - lo:  # all ASCII: byte offsets are character offsets (one decode, then slices)
            return [(t, _KINDS[buf[a]], whole[a - lo + 1:b - lo])
                    for t, a, b in zip(self._ts[start:stop], starts, ends[start:stop], strict=True)]
        with memoryview(buf) as view:
            return [(t, _KINDS[buf[a]], str(view[a + 1:b], "utf-8", "surrogatepass"))
                    for t, a, b in zip(self._ts[start:stop], starts, ends[start:stop], strict=True)]

    def _insert(self, i: int, ts: float, kind: str, text: str) -> None:
        """Put an item at position i (the end, or behind the head)."""
        data = _packed(kind, text)
        ends, at = self._ends, (self._ends[i - 1] if i else 0)
        self._ts.insert(i, ts)
        if i == len(ends):
            self._text += data
            ends.append(at + len(data))
            return
        self._text[at:at] = data
        ends.insert(i, at)
        for j in range(i, len(ends)):
            ends[j] += len(data)

    def _remove(self, i: int) -> int:
        """Drop item i; the characters its text had."""
        start, end = self._span(i)
        chars = len(self._text[start + 1:end].decode("utf-8", "surrogatepass"))
        del self._text[start:end]
        del self._ts[i]
        ends = self._ends
        del ends[i]
        for j in range(i, len(ends)):
            ends[j] -= end - start
        return chars

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
        size = max(len(text), 1)  # an empty item still takes a slot, so the buffers stay bounded
        self.turn_used += size
        tail_reserve = self.session_chars // 5  # self.tail_reserve, without the property call per item
        if self.head_used + size <= self.session_chars - tail_reserve:
            self._insert(self._nhead, ts, kind, text)  # behind the head come the tail's items
            self._nhead += 1
            self.head_used += size
            return
        self._insert(len(self._ts), ts, kind, text)
        self.tail_used += size
        n = self._nhead
        while self.tail_used > tail_reserve and len(self._ts) > n:
            # the oldest tail item goes and gives back what it took (an empty item took 1)
            self.tail_used -= max(self._remove(n), 1)
            self.dropped += 1

    def clone(self) -> Evidence:
        other = Evidence(self.turn_chars, self.session_chars, policy=self.policy)
        other.head_used, other.tail_used, other.turn_used = self.head_used, self.tail_used, self.turn_used
        other.dropped, other._nhead = self.dropped, self._nhead
        other._ts = array("d", self._ts)
        other._text = bytearray(self._text)
        other._ends = array("I", self._ends)
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
        packed = [_packed(i[1], i[2]) for i in items]
        ev._text = bytearray(b"".join(packed))
        ev._ends = array("I", accumulate(map(len, packed)))
        return ev
