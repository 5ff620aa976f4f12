"""Redaction of secrets and personal data in transcript text (pure, stdlib only).

Used before transcript text is sent to a model and before it leaves the worker
(transcript_text = "redact"). It errs on the side of removing too much: a redacted
identifier costs the classifier little, a leaked key costs its owner a lot.
Replacements name what was removed ("[REDACTED:github_token]") so a reader, human or model,
still knows a credential was there.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

_KEYWORDS = (
    r"password|passwd|pwd|passphrase|secret|token|credentials?|api[_-]?key|apikey"
    r"|(?:secret|private|access|signing|encryption|master)[_-]?key"
)
# key name, optional closing quote, ":" "=" or "=>", then a quoted value (may hold spaces) or a bare one
_ASSIGNMENT = re.compile(
    rf"(?<![\w.-])(?P<key>[\w.-]*?(?:{_KEYWORDS}))(?![A-Za-z0-9])(?P<mid>[\"']?\s*(?:=>|[:=])\s*)"
    r"(?:(?P<q>[\"'])(?P<qval>[^\"'\n]{4,}?)(?P=q)|(?P<val>[^\s\"',;]{6,}))",
    re.IGNORECASE,
)
# values that name a secret rather than hold one: variables, calls, env lookups, numbers, masks
_PLACEHOLDER = re.compile(
    r"^(?:[$<{(\[*%]|[A-Za-z_][\w.]*[(\[]|process\.env|os\.environ|\d+$|none$|null$|true$|false$"
    r"|undefined$|x{6,}$|\*{3,})",
    re.IGNORECASE,
)

# (kind, pattern); order matters: specific shapes before generic ones
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "private_key",
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:.*?-----END [A-Z0-9 ]*"
            r"PRIVATE KEY(?: BLOCK)?-----|.*\Z)",
            re.DOTALL,
        ),
    ),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")),
    ("anthropic_key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{16,}")),
    ("api_key", re.compile(r"\bsk-(?:proj-|live-|test-)?[A-Za-z0-9_-]{20,}")),
    ("github_token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})")),
    ("aws_key", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")),
    ("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}|\bxapp-[A-Za-z0-9-]{10,}")),
    ("google_key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("stripe_key", re.compile(r"\b[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("gitlab_token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("npm_token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
)
_BEARER = re.compile(r"\b(?P<scheme>bearer|basic)(?P<sp>\s+)(?P<val>[A-Za-z0-9._~+/-]{16,}=*)", re.IGNORECASE)
_AUTH_HEADER = re.compile(
    r"(?P<head>\bauthorization[\"']?\s*[:=]\s*[\"']?(?:[A-Za-z]+\s+)?)(?P<val>[A-Za-z0-9._~+/-]{8,}=*)", re.IGNORECASE
)
_URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)[^\s/@:]+:[^\s/@]+@", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])(?!git@)[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_HOME = re.compile(r"(?P<root>/Users/|/home/|[A-Za-z]:\\Users\\)(?!Shared\b|runner\b)(?P<user>[^/\\\s\"']+)")
# generic secrets: long hex, or long base64-ish strings of high entropy
_HEX = re.compile(r"(?<![A-Za-z0-9:])(?P<label>(?:sha\d+|md5)[:-])?(?P<hex>[0-9a-fA-F]{32,})(?![A-Za-z0-9])")
_B64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9+/=_-])")


def _entropy(s: str) -> float:
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def _looks_random(s: str) -> bool:
    """Mixed case and digits with high per-character entropy: keys, not paths or identifiers."""
    if s.count("/") > 2 or not (
        any(c.isdigit() for c in s) and any(c.isupper() for c in s) and any(c.islower() for c in s)
    ):
        return False
    return _entropy(s) >= 4.3


def _hex(m: re.Match[str]) -> str:
    # a 40-hex git object id or a labelled digest identifies content, it grants nothing
    if m["label"] or len(m["hex"]) == 40:
        return m[0]
    return "[REDACTED:hex_secret]"


def _assignment(m: re.Match[str]) -> str:
    value = m["qval"] if m["q"] else m["val"]
    if _PLACEHOLDER.match(value) or value.startswith("[REDACTED") or value == "[EMAIL]":
        return m[0]
    q = m["q"] or ""
    return f"{m['key']}{m['mid']}{q}[REDACTED:{_kind_of(m['key'])}]{q}"


def _kind_of(key: str) -> str:
    k = key.lower()
    return "password" if ("pass" in k or k.endswith("pwd")) else "secret"


def _sub(kind: str) -> Callable[[re.Match[str]], str]:
    return lambda _m: f"[REDACTED:{kind}]"


def redact(text: str) -> str:
    """The text with credentials, e-mail addresses and home-directory user names replaced."""
    if not text:
        return text
    for kind, pattern in _PATTERNS:
        text = pattern.sub(_sub(kind), text)
    text = _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}[REDACTED:credentials]@", text)
    text = _BEARER.sub(lambda m: f"{m['scheme']}{m['sp']}[REDACTED:token]", text)
    text = _AUTH_HEADER.sub(lambda m: f"{m['head']}[REDACTED:token]", text)
    text = _ASSIGNMENT.sub(_assignment, text)
    text = _EMAIL.sub("[EMAIL]", text)
    text = _HOME.sub(lambda m: f"{m['root']}[USER]", text)
    text = _HEX.sub(_hex, text)
    return _B64.sub(lambda m: "[REDACTED:secret]" if _looks_random(m[0]) else m[0], text)


def redact_value(value: Any) -> Any:
    """redact() applied to every string inside nested dicts, lists and tuples (keys are kept)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    return value
