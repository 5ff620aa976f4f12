"""Occupation (METHOD.md facet 7) and relative task value (facet 8).

Occupation comes only from project context, file names, referenced material and vocabulary.
Writing code is never evidence of a software occupation by itself, so the software group needs
the vocabulary of building and running software products (CI, releases, APIs, pull requests),
and a session with too little context stays unclear (about 30% in the study).
"""

from __future__ import annotations

import math
import re

from models.classification import UNCLEAR, WorkMode
from models.classify.signals import Signals
from models.session import SessionState


def _terms(alternatives: str) -> str:
    return alternatives  # matched against lower-cased text


# Distinct terms found decide; a group needs at least two (the software group three).
_GROUPS: tuple[tuple[str, str], ...] = (
    ("Healthcare Practitioners and Technical", _terms(
        r"patient|clinic|diagnos|ehr\b|fhir|hl7|radiolog|nurs|physician|dicom|medication|пациент|paciente|患者")),
    ("Life, Physical, and Social Science", _terms(
        r"genom|protein|molecul|cell line|assay|experiment design|physics|chemistr|climate|astronom"
        r"|survey respond|econometric|p-value|hypothes|sequencing")),
    ("Business and Financial Operations", _terms(
        r"invoice|accounting|ledger|tax\b|budget|financ|portfolio|trading|payroll|revenue|forecast|kpi"
        r"|бухгалт|финанс|contabil|financeir|财务")),
    ("Legal", _terms(r"contract|legal\b|lawsuit|court|litigation|complian|gdpr|statute|attorney|договор|jurídic|法律")),
    ("Educational Instruction and Library", _terms(
        r"student|course\b|lesson|teacher|curriculum|syllabus|homework|grading rubric|lecture|студент|урок"
        r"|aluno|aula|学生|课程")),
    ("Arts, Design, Entertainment, Sports, and Media", _terms(
        r"illustrat|music|video edit|film\b|podcast|game art|typograph|brand|blog post|newsletter|journalis"
        r"|storyboard")),
    ("Architecture and Engineering", _terms(
        r"cad\b|circuit|pcb\b|firmware|mechanical|structural|cfd\b|finite element|embedded|microcontroller"
        r"|arduino|plc\b|hvac|schematic")),
    ("Sales and Related", _terms(r"crm\b|sales\b|lead gen|prospect|quota|salesforce")),
    ("Office and Administrative Support", _terms(
        r"spreadsheet|scheduling|calendar|mail merge|data entry|timesheet|expense report")),
    ("Management", _terms(r"okr|headcount|hiring plan|stakeholder|strategy deck|board meeting")),
    # Building and running software products: releases, CI, APIs, repositories and their tooling.
    ("Computer and Mathematical", _terms(
        r"ci\b|pull request|pr\b|deploy|release|api\b|endpoint|npm|pypi|sdk\b|repo|branch|merge|schema"
        r"|database|docker|kubernetes|backend|frontend|lint|dialyzer|typecheck|pipeline|github|server|cli\b"
        r"|library|package|migration|encryption|cryptograph|ipns|websocket|microservice|algorithm|\.github/"
        r"|package\.json|mix\.exs|pyproject|cargo\.toml|go\.mod|dockerfile|workflow|plugin|evals?\b"
        r"|liveview|next\.js|typescript|pre-commit|pre-push")),
)  # fmt: skip


def _scanner(groups: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], list[str]]:
    r"""One regex for the terms of all groups, and the group of each of its capture groups.

    Python's re tries every alternative at every word. Grouped by their first character, the terms
    are tried only at words that begin with their letter; they keep their order, so every position
    matches the same term as the plain alternation of the groups would. An empty capture group after
    each term tells which one it was. \b also holds where a word ends: as no term begins with a space
    or punctuation other than "." (.github/), (?=[\w.]) turns those positions away at once.
    """
    by_first: dict[str, list[tuple[str, str]]] = {}
    for group, terms in groups:
        for term in terms.split("|"):
            if "(" in term or "[" in term:  # a capture group would be miscounted; | in a class, missplit
                raise ValueError(f"{term!r}: no groups or classes in a term")
            first = _first_character(term)
            by_first.setdefault(first, []).append((group, term[len(first) :]))
    owners = [""]  # capture group 0 is the whole match
    alternatives = []
    for first, entries in by_first.items():
        alternatives.append(first + "(?:" + "|".join(rest + "()" for _, rest in entries) + ")")
        owners.extend(group for group, _ in entries)
    return re.compile(r"\b(?=[\w.])(?:" + "|".join(alternatives) + ")"), owners


def _first_character(term: str) -> str:
    """The source of the literal character every match of `term` begins with: a letter or "\\."."""
    first = term[:2] if term.startswith("\\") else term[:1]
    if not re.fullmatch(r"\w|\\\.", first) or term[len(first) : len(first) + 1] in ("?", "*", "+", "{"):
        raise ValueError(f"{term!r} does not begin with a letter or a dot")
    return first


_ANY, _OWNERS = _scanner(_GROUPS)


def occupation(state: SessionState, s: Signals) -> str:
    # Project context: the person's words, the project folder and the names of the files touched
    # (distinct path segments, so a long session does not cost more than a short one).
    segments = sorted({seg for path in set(s.paths) for seg in path.lower().split("/")[-3:] if seg})
    text = " ".join([" ".join(s.prompts)[:3000].lower(), (state.project or "").lower(), "/".join(segments)[:2000]])
    found: dict[str, set[str]] = {}
    for m in _ANY.finditer(text):  # one pass over the text for all groups
        found.setdefault(_OWNERS[m.lastindex or 0], set()).add(m.group())
    scores = [(len(terms), group) for group, terms in found.items() if len(terms) >= 2]
    if not scores:
        return UNCLEAR
    scores.sort(reverse=True)
    best_count, best = scores[0]
    # Domain groups win over the software group when they are comparably present: a developer
    # building a clinic scheduler works for the clinic's occupation.
    for count, group in scores:
        if group != "Computer and Mathematical" and count * 2 >= best_count:
            return group
    return best if best_count >= 3 else UNCLEAR


_MODE_WEIGHT = {
    WorkMode.BUILD: 1.0,
    WorkMode.FIX: 0.9,
    WorkMode.ORCHESTRATE: 1.0,
    WorkMode.ANALYZE: 1.0,
    WorkMode.TEST: 0.8,
    WorkMode.OPERATE: 0.8,
    WorkMode.PLAN: 0.8,
    WorkMode.WRITE: 0.7,
    WorkMode.UNDERSTAND: 0.5,
}


def task_value(state: SessionState, s: Signals, mode: WorkMode) -> float:
    """0..1, monotone in the size of the delivered work; for ranking only."""
    n = state.n
    lines = n.get("lines_added", 0) + n.get("lines_removed", 0)
    size = 0.45 * min(math.log1p(lines) / math.log1p(5000), 1.0)
    effort = 0.3 * min(math.log1p(n.get("actions", 0)) / math.log1p(500), 1.0)
    shipped = 0.1 * (n.get("commits", 0) > 0) + 0.1 * (n.get("pull_requests", 0) > 0 or s.ships > 0)
    talk = 0.05 * min(len(s.prompts), 5) / 5
    return round(min(1.0, (size + effort + shipped + talk) * _MODE_WEIGHT[mode]), 3)
