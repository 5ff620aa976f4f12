"""Values of OTLP JSON log records, read leniently: a bad value becomes None (or 0, {}), never an exception.

OTLP JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): attributes are
[{key, value: {stringValue|intValue|doubleValue|boolValue|arrayValue|kvlistValue}}], and 64-bit
integers are decimal strings.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import orjson


def otlp_value(v: Any, depth: int = 0) -> Any:
    """The Python value of an OTLP AnyValue (kvlists become dicts, nesting is bounded)."""
    if not isinstance(v, dict) or depth > 8:
        return None
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in v:
            return v[key]
    if "intValue" in v:  # 64-bit ints are decimal strings in OTLP JSON
        return num(v["intValue"])
    inner = v.get("arrayValue") or v.get("kvlistValue")
    values = inner.get("values") if isinstance(inner, dict) else None
    if not isinstance(values, list):
        return None
    return [otlp_value(x, depth + 1) for x in values] if "arrayValue" in v else otlp_attrs(values, depth + 1)


def otlp_attrs(items: Any, depth: int = 0) -> dict[str, Any]:
    """A list of OTLP KeyValues as a dict."""
    pairs = (i for i in (items if isinstance(items, list) else ()) if isinstance(i, dict))
    return {i["key"]: otlp_value(i.get("value"), depth) for i in pairs if isinstance(i.get("key"), str)}


def num(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float | str):
        return None
    try:
        n = float(x)
    except ValueError:
        return None
    return n if math.isfinite(n) else None


def count(x: Any) -> int:
    """A token or length count, clamped to 0..10M."""
    n = num(x)
    return int(min(max(n, 0.0), 10_000_000)) if n is not None else 0


def string(x: Any, limit: int = 200) -> str | None:
    """Stripped text cut to `limit` (numbers as text), None when empty."""
    if isinstance(x, int | float) and not isinstance(x, bool):
        x = str(int(x) if isinstance(x, float) and x.is_integer() else x)
    return (x.strip()[:limit] or None) if isinstance(x, str) else None


def boolean(x: Any) -> bool | None:
    if isinstance(x, bool):
        return x
    return {"true": True, "false": False}.get(x.strip().lower()) if isinstance(x, str) else None


def json_object(x: Any) -> dict[str, Any]:
    try:
        doc = orjson.loads(x) if isinstance(x, str) and x.startswith("{") else x
    except orjson.JSONDecodeError:
        return {}
    return doc if isinstance(doc, dict) else {}


def unredacted(x: Any) -> str:
    """The text, or "" when the sender redacted it."""
    return x if isinstance(x, str) and x.strip() != "<REDACTED>" else ""


def dump(x: Any) -> bytes:
    """A bounded copy of a rejected record, for the DLQ."""
    try:
        return orjson.dumps(x)[:65536]
    except TypeError:
        return repr(x).encode()[:65536]


def short_id(s: str) -> str:
    """An event id within the schema's length: long ones are hashed."""
    return s if len(s) <= 200 else "otel:" + hashlib.blake2b(s.encode(), digest_size=16).hexdigest()
