"""The rule classifier's answers are frozen: its speed-ups must not change a single output.

data/rules_digests.json holds, per session, a digest of what the classifier reads (its input) and
a digest of its Classification (its output), made with the classifier before it was optimised: a
seeded set of generated sessions plus every real transcript in ../shared/data/transcripts (read by
path, never copied). Outputs are compared only where the input is unchanged, so a change of the
sessionizer or of the generator shows up as stale inputs (the first test), not as a false alarm.
After an intended change of the rules or of their inputs, regenerate the fixture and review the diff:

    .venv/bin/python -m tests.unit.test_rules_unchanged

The rest checks each shortcut on adversarial text (mixed case, Unicode that folds to ASCII, words
glued together or cut apart): a pre-check and its pattern say exactly what the pattern alone says.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from models import language
from models import prefilter as prefilters
from models.classify import occupation, signals
from models.classify.rules import classify
from models.decode import decode_message
from models.generator import generate, messages
from models.prefilter import _alternatives, _beginnings, prefilter
from models.session import SessionState, apply, new_session
from streams.transcript_files import discover, read_transcript

FIXTURE = Path(__file__).parent / "data" / "rules_digests.json"
TRANSCRIPTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "transcripts"  # used by path
START = 1_767_225_600.0
NOW = START + 3 * 86_400.0
# (seed, sessions, drift): two seeds and the drifting mode mix give a broad spread of facets
GENERATED = ((101, 600, False), (202, 400, True))


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]


def input_digest(state: SessionState) -> str:
    """Everything the rule classifier reads from a session (nothing else, so other fields may change)."""
    return _digest([
        state.n, state.evidence.items(), dict(state.tools), dict(state.files), dict(state.cmds), state.project,
        state.last_test, state.last_error_ts, state.last_ok_ts, state.last_ts, state.ended,
    ])  # fmt: skip


def output_digest(state: SessionState) -> str:
    return _digest(classify(state).model_dump(mode="json"))


def generated_states() -> Iterator[tuple[str, SessionState]]:
    for seed, n, drift in GENERATED:
        sessions = generate(n, seed=seed, start=START, span_s=86_400.0, drift=drift)
        states: dict[str, SessionState] = {}
        for _, key, value in messages(sessions):
            for event in decode_message(value, now=NOW).events:
                apply(states.get(key) or states.setdefault(key, new_session(key)), event)
        for i, s in enumerate(sessions):
            yield f"{seed}/{i}", states[s.session_id]


def transcript_states() -> Iterator[tuple[str, SessionState]]:
    for path in discover([TRANSCRIPTS]):
        result = read_transcript(path)
        state = new_session(result.session_id)
        for event in result.events:
            apply(state, event)
        yield str(path.relative_to(TRANSCRIPTS)), state


def compute() -> dict[str, dict[str, list[str]]]:
    return {
        "generated": {key: [input_digest(st), output_digest(st)] for key, st in generated_states()},
        "transcripts": {key: [input_digest(st), output_digest(st)] for key, st in transcript_states()},
    }


@pytest.fixture(scope="module")
def frozen() -> dict[str, dict[str, list[str]]]:
    loaded: dict[str, dict[str, list[str]]] = json.loads(FIXTURE.read_text())
    return loaded


@pytest.fixture(scope="module")
def current() -> dict[str, dict[str, list[str]]]:
    return compute()


@pytest.mark.parametrize("part", ["generated", "transcripts"])
def test_inputs_are_the_frozen_ones(part: str, frozen: dict[str, Any], current: dict[str, Any]) -> None:
    if part == "transcripts" and not TRANSCRIPTS.is_dir():
        pytest.skip(f"no shared transcripts under {TRANSCRIPTS}")
    assert current[part].keys() == frozen[part].keys()
    stale = [k for k in frozen[part] if current[part][k][0] != frozen[part][k][0]]
    assert not stale, (
        f"{len(stale)} sessions reach the classifier with other inputs than when the fixture was "
        "made (sessionizer or generator changed?): regenerate it, see the module docstring"
    )


@pytest.mark.parametrize("part", ["generated", "transcripts"])
def test_outputs_are_the_frozen_ones(part: str, frozen: dict[str, Any], current: dict[str, Any]) -> None:
    if part == "transcripts" and not TRANSCRIPTS.is_dir():
        pytest.skip(f"no shared transcripts under {TRANSCRIPTS}")
    same_input = [k for k in frozen[part] if k in current[part] and current[part][k][0] == frozen[part][k][0]]
    assert same_input, "no session left to compare: regenerate the fixture"
    changed = [k for k in same_input if current[part][k][1] != frozen[part][k][1]]
    assert not changed, f"the classifier answers differently on {len(changed)} sessions, e.g. {changed[:5]}"


# -- the shortcuts, on adversarial text --------------------------------------------------------------

PROMPT_PATTERNS = {
    **{f"intent {mode}": p for mode, p in language.INTENTS.items()},
    "correction": language._CORRECTION, "complaint": language._COMPLAINT, "verify": language._VERIFY,
    "question": language._QUESTION, "settle": language._SETTLE, "naive check": language._NAIVE_CHECK,
    "teaches": language._TEACHES, "error paste": signals._ERROR_PASTE, "gave up": signals._GAVE_UP,
    "incomplete": signals._INCOMPLETE, "hedge": signals._HEDGE,
}  # fmt: skip
OTHER_PATTERNS = [
    language._PATH_DIR,
    language._PATH_FILE,
    language._IDENT,
    signals._SHIP,
    signals._PLAN_FILE,
    signals._PLAN_FOLDER,
    occupation._ANY,
]
# the plain alternation the occupation scanner replaces
PLAIN_OCCUPATION = re.compile(
    r"\b(?:" + "|".join(f"(?P<g{i}>{terms})" for i, (_, terms) in enumerate(occupation._GROUPS)) + ")"
)


def _fragments() -> list[str]:
    """Pieces of text that come close to the terms: what each alternative begins with, and the words of
    every pattern's source."""
    found: set[str] = set()
    for pattern in [*PROMPT_PATTERNS.values(), *OTHER_PATTERNS, PLAIN_OCCUPATION]:
        found.update(w for w in re.split(r"\\.|[^\w'\- ]+", pattern.pattern) if w.strip())
    for source in [*(p.pattern for p in PROMPT_PATTERNS.values()), *(terms for _, terms in occupation._GROUPS)]:
        for alt in _alternatives(source):
            found.update(_beginnings(re.sub(r"^(\\b|\^\\s\*|\^\\W\*|\^)", "", alt)))
    return sorted(found)


# Unicode that IGNORECASE folds to ASCII (ſ s, K k, İ ı i), punctuation that ends or splits a word
SEPARATORS = [" ", "  ", "\n", "\t", ",", ".", "!", "?", "？", "'", "’", "-", "/", "_", "`", "#", "#12", "--", ":",
              "(", ")", "—", "ſ", "K", "İ", "ı", "é", "ção", "не ", "还是", "A", "Z", "x", "9", " http://a.b/c ",
              "src/a.py", "x.MD", "/Plans/", "camelCase", "CamelCase"]  # fmt: skip
_cased = st.tuples(st.sampled_from(_fragments()), st.sampled_from([str, str.upper, str.title, str.swapcase]))
_piece = st.one_of(_cased.map(lambda t: t[1](t[0])), st.sampled_from(SEPARATORS), st.text(max_size=3))
texts = st.lists(_piece, max_size=20).map("".join)
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PREFILTERS = {name: prefilter(pattern) for name, pattern in PROMPT_PATTERNS.items()}


def _prefilters_hold(text: str) -> None:
    for t in (text, text.lower(), text[:7], text.strip()):
        for name, pattern in PROMPT_PATTERNS.items():
            if PREFILTERS[name].rules_out(t):
                assert pattern.search(t) is None, (name, t)


def _helpers_hold(t: str) -> None:
    language._may_hold.cache_clear()
    prefilters._ascii_words.cache_clear()
    sample = t[:2000].lower()
    assert language.intents(t) == {m: len(p.findall(sample)) for m, p in language.INTENTS.items()}, t
    assert language.is_correction(t) == (bool(t) and language._CORRECTION.search(t[:400]) is not None), t
    assert language.is_complaint(t) == (bool(t) and language._COMPLAINT.search(t[:600]) is not None), t
    assert language.asks_verification(t) == (language._VERIFY.search(t[:4000]) is not None), t
    assert language.is_question(t) == (language._QUESTION.search(t[:400].strip()) is not None), t
    assert language.settles(t) == (language._SETTLE.search(t[:600]) is not None), t
    assert language.asks_naive_check(t) == (language._NAIVE_CHECK.search(t[:2000]) is not None), t
    assert language.teaches(t) == (language._TEACHES.search(t[:4000]) is not None), t
    closing = t[:800]
    may = signals._CLOSING_PRE.possible(closing)
    said = [p.search(closing) is not None for p in signals._CLOSING]
    assert [signals._says(i, closing, may) for i in range(3)] == said, t
    assert not signals._ERROR_PASTE_PRE.rules_out(t) or signals._ERROR_PASTE.search(t) is None, t


def _precision(text: str) -> int:
    """precision() as it was, with _PATH one pattern and _IDENT always counted."""
    sample = text[:4000]
    path = re.compile(f"{language._PATH_DIR.pattern}|{language._PATH_FILE.pattern}")
    return (bool(path.search(sample)) + (len(language._IDENT.findall(sample)) >= 2) + bool(language._URL.search(sample))
            + (len(sample.split()) >= 40 or len(sample) >= 160))  # fmt: skip


def _targets_hold(t: str) -> None:
    plan_doc = re.compile(f"{signals._PLAN_FILE.pattern}|{signals._PLAN_FOLDER.pattern}", re.IGNORECASE)
    assert signals.is_plan_doc(t) == (plan_doc.search(t) is not None), t
    assert " " in t or signals._SHIP.search(t) is None, t  # every shipping command has a space
    assert language._may_name_identifiers(t) or language._IDENT.search(t) is None, t
    assert language.precision(t) == _precision(t), t


def _occupation_holds(t: str) -> None:
    low = t.lower()
    plain = [(occupation._GROUPS[int((m.lastgroup or "g0")[1:])][0], m.group(), m.span())
             for m in PLAIN_OCCUPATION.finditer(low)]  # fmt: skip
    assert [(occupation._OWNERS[m.lastindex or 0], m.group(), m.span()) for m in occupation._ANY.finditer(low)] == plain


def _all_hold(text: str) -> None:
    _prefilters_hold(text)
    for t in (text, text.capitalize()):
        _helpers_hold(t)
        _targets_hold(t)
        _occupation_holds(t)


@FUZZ
@given(texts)
@example("Note That it's still   broken")
@example("ſtill broken")  # ſ matches s case-insensitively: not ASCII, so not prefiltered
@example("No, you broke it. Does it work now?")
@example("see src/app/api.py and parse_request, or `x` fooBar -- #12 https://a.b")
@example("docs/ROADMAP.MD /repo/.Planning/x.txt git push origin main")
def test_the_shortcuts_say_what_the_patterns_say(text: str) -> None:
    _all_hold(text)


def test_the_shortcuts_on_every_term() -> None:
    """Each fragment of every vocabulary, alone, glued to a word, inflected, and before the next one."""
    fragments = _fragments()
    for f, following in zip(fragments, [*fragments[1:], ""], strict=True):
        for text in (f, f" {f.upper()}.", f"x{f}", f"{f}s", f"{f}ed {following}", f"— {f.title()}?"):
            _all_hold(text)


@pytest.mark.parametrize(
    ("source", "beginnings"),
    [
        ("fix", ["fix"]),
        (
            "doesn'?t (seem to )?(work|run)",
            [
                "doesn't seem to work",
                "doesn't seem to run",
                "doesn't work",
                "doesn't run",
                "doesnt seem to work",
                "doesnt seem to run",
                "doesnt work",
                "doesnt run",
            ],
        ),
        (r"\bpr\b", ["pr"]),
        (r"traceback \(most", ["traceback (most"]),
        ("cri[ae]", ["cri"]),
        ("logs?x", ["logsx", "logx"]),
        ("ab??c", ["abc", "ac"]),
        ("(ab)?c", ["abc", "c"]),
        ("x(?:a|b)y", ["xay", "xby"]),
        ("ab*c", ["a"]),
        ("ab+c", ["ab"]),
        ("(?=ab)c", [""]),
        ("a(b|c)*d", ["a"]),
        (r"a\sb", ["a"]),
    ],
)
def test_beginnings(source: str, beginnings: list[str]) -> None:
    assert sorted(_beginnings(source)) == sorted(beginnings)


def test_prefilter_refuses_what_it_cannot_read() -> None:
    for source in (r"\w+ing", "(?i)fix", "(?=a)b", "a|[xy]z", "(?P<x>a)b"):
        with pytest.raises(ValueError):
            prefilter(re.compile(source))
    with pytest.raises(ValueError):  # ſ matches an ASCII s case-insensitively
        prefilter(re.compile("ſtop", re.IGNORECASE))
    assert prefilter(re.compile("ſtop")).rules_out("stop")  # but not case-sensitively
    assert not prefilter(re.compile(r"^\s*no\b", re.MULTILINE)).rules_out("ok\n no")  # ^ after a newline
    assert prefilter(re.compile(r"^\s*no\b")).rules_out("ok\n no")
    assert not prefilter(re.compile("нет")).rules_out("нет")  # not ASCII: not read, so not ruled out


if __name__ == "__main__":
    FIXTURE.parent.mkdir(exist_ok=True)
    parts = compute()  # one session a line, so a regenerated fixture diffs readably
    FIXTURE.write_text("{\n" + ",\n".join(
        f"{json.dumps(part)}: {{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in rows.items()) + "\n}"
        for part, rows in parts.items()) + "\n}\n")  # fmt: skip
    print(f"wrote {FIXTURE} ({FIXTURE.stat().st_size} bytes)", file=sys.stderr)
