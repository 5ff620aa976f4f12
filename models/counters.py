"""Compact per-session counter maps (tool names, models, file and command kinds).

Every open session holds five of these, so they are kept small: an empty map is one shared
read-only object, and keys are interned, since tool and model names repeat across sessions.
"""

from __future__ import annotations

from sys import intern
from types import MappingProxyType
from typing import cast

MAX_KEYS = 48  # bound on distinct keys of each counter map (tool names, models)

# The counter maps other than n are empty in most open sessions: they share this read-only one
# until their first key (an empty dict is 64 bytes, times five, times every open session). Typed
# as a dict for the readers; only bump writes these maps, and it replaces EMPTY first.
EMPTY = cast(dict[str, int], MappingProxyType({}))


def bump(counter: dict[str, int], key: str) -> dict[str, int]:
    """counter with key counted once more (a new dict in place of EMPTY): assign it back."""
    if counter is EMPTY:
        return {intern(key): 1}
    if key not in counter:
        if len(counter) >= MAX_KEYS:
            key = "other"
        key = intern(key)  # tool and model names repeat across sessions: one copy of each
    counter[key] = counter.get(key, 0) + 1
    return counter


def own(counter: dict[str, int]) -> dict[str, int]:
    return dict(counter) if counter else EMPTY


def opt_intern(value: str | None) -> str | None:
    return intern(value) if value is not None else None
