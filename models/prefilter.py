"""Cheap tests that rule a text out before a vocabulary regex runs.

Python's re tries every alternative of a vocabulary at every word of a prompt, and most prompts
hold no term of most vocabularies. What every match of a pattern begins with can be read off its
source: a word with a known start, a known first word of the text, or a literal anywhere. A text
with none of them cannot match, so the regex need not run. Only ASCII text is prefiltered: there
IGNORECASE is the same as comparing lower-cased text, and a term that needs a non-ASCII letter
cannot match. Any other text goes to the regex as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from operator import itemgetter

SCAN = 4000  # the longest head of a text any pattern here reads
_STEM = 3  # words are indexed by their first 2 .. _STEM letters
_WORD_BYTES = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"  # \w in ASCII
_TO_WORDS = bytes(c if c in _WORD_BYTES else 32 for c in range(256))  # every other byte becomes a space
_PREFIXES = [itemgetter(slice(0, n)) for n in range(2, _STEM + 1)]
_ASCII = "".join(map(chr, range(128)))
_MAX_BEGINNINGS = 32  # past this, expanding a group behind a literal head costs more than it filters

# (the text's head lower-cased, the first 2 .. _STEM letters of each of its words, the first two
# letters of its first word, where that word begins)
_Words = tuple[str, frozenset[bytes], str, int]


@lru_cache(maxsize=256)  # a prompt is read for its vocabularies, then for pasted errors
def _ascii_words(head: str) -> _Words | None:
    """The words of a text's first SCAN characters, for Prefilter; None unless they are ASCII."""
    if not head.isascii():
        return None
    low = head.lower()
    words = low.encode().translate(_TO_WORDS)
    first = len(words) - len(words.lstrip())
    split = words.split()
    distinct = set(split) if len(split) > 32 else split  # a long text repeats its words
    return low, frozenset(chain.from_iterable(map(p, distinct) for p in _PREFIXES)), low[first : first + 2], first


@dataclass(frozen=True, slots=True)
class Prefilter:
    """How every match of each of some patterns begins (lower-case, with the index of the pattern):
    with one of `anywhere` at the start of a word (keyed by the word's first 2 .. _STEM letters), with
    one of `opening` where the text's first word begins (keyed by its first two letters; patterns
    anchored by ^), or with one of `literals` anywhere."""

    anywhere: dict[bytes, tuple[tuple[int, str], ...]]
    stems: frozenset[bytes]  # the keys of `anywhere`
    opening: dict[str, tuple[tuple[int, str], ...]]
    literals: tuple[tuple[int, str], ...]

    def possible(self, text: str) -> set[int] | None:
        """The indexes of the patterns that may match `text` or a part of its first SCAN characters;
        None when the text is not read (not ASCII), so any may."""
        words = _ascii_words(text[:SCAN])  # the head: a long text is neither hashed whole nor kept
        if words is None:
            return None
        low, stems, first_head, first = words
        found: set[int] = set()
        for i, s in self.literals:
            if s in low:
                found.add(i)
        for i, s in self.opening.get(first_head, ()):
            if low.startswith(s, first):
                found.add(i)
        if not self.stems.isdisjoint(stems):
            for stem in self.stems & stems:
                for i, s in self.anywhere[stem]:
                    if i not in found and s in low:
                        found.add(i)
        return found

    def rules_out(self, text: str) -> bool:
        """True only if no pattern can match `text`."""
        return self.possible(text) == set()


def prefilter(*patterns: re.Pattern[str]) -> Prefilter:
    """The Prefilter of some vocabulary patterns; ValueError for a shape it does not read (then use
    the pattern alone)."""
    anywhere: dict[bytes, set[tuple[int, str]]] = {}
    opening: dict[str, set[tuple[int, str]]] = {}
    literals: set[tuple[int, str]] = set()
    for i, pattern in enumerate(patterns):
        if pattern.flags & re.VERBOSE:
            raise ValueError("verbose patterns are not read")
        for alt in _alternatives(pattern.pattern):
            anchor = next((a for a in ("\\b", "^\\s*", "^\\W*", "^") if alt.startswith(a)), "")
            for begin in _beginnings(alt[len(anchor) :]):
                if not begin.isascii():  # needs a letter ASCII text lacks (unless IGNORECASE folds it to one)
                    if any(re.search(re.escape(c), _ASCII, pattern.flags) is None for c in begin if not c.isascii()):
                        continue
                    raise ValueError(f"{pattern.pattern!r}: {begin!r} matches ASCII case-insensitively")
                begin = begin.lower()
                stem = re.split(r"\W", begin, maxsplit=1, flags=re.ASCII)[0]  # its leading word characters
                # after \b or ^ (and spaces or other non-word characters), a letter begins a word;
                # without MULTILINE, ^ is where the text begins
                if anchor and len(stem) >= 2:
                    if anchor.startswith("^") and not pattern.flags & re.MULTILINE:
                        opening.setdefault(stem[:2], set()).add((i, begin))
                    else:
                        anywhere.setdefault(stem[:_STEM].encode(), set()).add((i, begin))
                elif begin:
                    literals.add((i, begin))
                else:
                    raise ValueError(f"{pattern.pattern!r}: {alt!r} does not begin with a literal")
    return Prefilter(
        {stem: tuple(sorted(found)) for stem, found in anywhere.items()}, frozenset(anywhere),
        {head: tuple(sorted(found)) for head, found in opening.items()}, tuple(sorted(literals)),
    )  # fmt: skip


def _beginnings(seq: str) -> list[str]:
    """Literal strings one of which begins every match of the regex sequence `seq` (no top-level |):
    its literal head, continued both ways past an optional character or group, and into each
    alternative of a group."""
    i = 0
    run: list[str] = []
    while i < len(seq):
        c, step = seq[i], 1
        if seq.startswith(("\\b", "\\B"), i):  # a word boundary takes no characters
            i += 2
            continue
        if c == "\\":
            if seq[i + 1 : i + 2].isalnum() or i + 1 == len(seq):  # \s \w \d, a back-reference
                break
            c, step = seq[i + 1], 2
        elif c in "()[]{}|?*+.^$":
            break
        after = seq[i + step : i + step + 1]
        if after == "?":  # with or without this character (?? is lazy, still optional)
            rest = seq[i + step + 1 :].removeprefix("?")
            return _continue("".join(run), [seq[i : i + step] + rest, rest])
        if after in ("*", "{"):
            break
        run.append(c)
        i += step
        if after == "+":
            break
    head = "".join(run)
    if seq[i : i + 1] != "(" or (seq[i : i + 2] == "(?" and seq[i : i + 3] != "(?:"):
        return [head]  # no group, or a lookaround, a named group or flags
    end = _group_end(seq, i)
    alternatives = _alternatives(seq[i + (3 if seq[i : i + 3] == "(?:" else 1) : end - 1])
    after = seq[end : end + 1]
    if after == "?":
        rest = seq[end + 1 :].removeprefix("?")
        return _continue(head, [alt + rest for alt in alternatives] + [rest])
    if after in ("*", "+", "{"):
        return [head]
    return _continue(head, [alt + seq[end:] for alt in alternatives])


def _continue(head: str, sequences: list[str]) -> list[str]:
    found = [head + begin for seq in sequences for begin in _beginnings(seq)]
    return found if len(found) <= _MAX_BEGINNINGS or not head else [head]


def _alternatives(source: str) -> list[str]:
    """The alternatives of a regex source: split at each | outside groups and classes."""
    parts, depth, start = [], 0, 0
    for i, c in _structure(source, 0):
        depth += (c == "(") - (c == ")")
        if c == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
    parts.append(source[start:])
    return parts


def _group_end(source: str, i: int) -> int:
    """The index after the ) that closes the group opened at i."""
    depth = 0
    for j, c in _structure(source, i):
        depth += (c == "(") - (c == ")")
        if depth == 0:
            return j + 1
    raise ValueError(f"{source!r}: unbalanced group at {i}")


def _structure(source: str, i: int) -> Iterator[tuple[int, str]]:
    """The characters of a regex source from i with their index, less escapes and classes (which
    hold no group or alternative of their own)."""
    while i < len(source):
        c = source[i]
        if c == "\\":
            i += 2
        elif c == "[":
            i = _class_end(source, i)
        else:
            yield i, c
            i += 1


def _class_end(source: str, i: int) -> int:
    """The index after the ] that closes the class opened at i."""
    i += 2 if source[i + 1 : i + 2] == "^" else 1
    i += source[i] == "]"  # a ] first in a class is a member
    while source[i] != "]":
        i += 2 if source[i] == "\\" else 1
    return i + 1
