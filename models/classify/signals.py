"""One pass over a closed session: the facts every facet rule reads.

The counters of SessionState cover the whole session; the text evidence is bounded (the study's
truncation), so text-derived facts describe the head and the tail of a long session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from models.features import EDIT_TOOLS
from models.language import (
    clean_prompt,
    intents,
    is_affirmation,
    is_complaint,
    is_correction,
    is_goalless,
    precision,
    settles,
)
from models.prefilter import prefilter
from models.session import SessionState

PLAN_TOOLS = frozenset({"exitplanmode", "enterplanmode", "update_plan", "todowrite", "todo_write", "write_todos"})
ASK_TOOLS = frozenset({"askuserquestion", "ask_user", "request_user_input"})
AGENT_TOOLS = frozenset({"task", "agent", "spawn_agent", "subagent", "dispatch_agent", "delegate"})
WEB_TOOLS = frozenset({"websearch", "webfetch", "web_search", "fetch", "web_fetch"})
# Shell commands that change shared state (publish, deploy, merge), as opposed to git status/diff.
# Inspecting the environment (kubectl get/logs, terraform plan, systemctl status) changes nothing.
_SHIP = re.compile(
    r"\b(git (push|merge|rebase|tag)|gh (pr (merge|create)|release|workflow run)|npm publish"
    r"|kubectl (apply|create|delete|patch|scale|set|rollout (restart|undo))|helm (install|upgrade|rollback|uninstall)"
    r"|terraform (apply|destroy)|docker (push|compose up|run)|systemctl (start|restart|reload|enable|stop)"
    r"|(fly|npm run|yarn|pnpm|vercel|netlify|serverless|make|mix|cap) deploy)\b"
)
# Planning documents: a .md file named for a plan, or a file in a planning folder. Two patterns rather
# than one alternation: only a path with ".md" in it can be the first, and most paths have none.
_PLAN_FILE = re.compile(
    r"(roadmap|plan|todo|design|adr|rfc|spec|context|state|brainstorm|proposal)[\w-]*\.md", re.IGNORECASE
)
_PLAN_FOLDER = re.compile(r"/(\.?planning|plans|todos|adr|rfc|specs|design)/", re.IGNORECASE)
_ERROR_PASTE = re.compile(
    r"traceback \(most recent|error:|exception|failed with|exit code [1-9]|panic:"
    r"|\berr!|fatal:|cannot find|not found|undefined",
    re.IGNORECASE,
)
_GAVE_UP = re.compile(
    r"\b(i (couldn'?t|could not|was unable to|am unable to|can'?t)|unable to (complete|fix|find)"
    r"|not able to|blocked by|giving up|doesn'?t seem possible|i don'?t have (access|permission))"
    r"|не удалось|não consegui|无法",
    re.IGNORECASE,
)
# The agent's closing report leaves part of the task undone, or hedges on whether it works.
_INCOMPLETE = re.compile(
    r"\b((is|are) not (done|finished|implemented) yet|not yet (done|finished|implemented)|left (a|as a) todo"
    r"|still (to be done|missing)|remains? to be done|didn'?t get to)",
    re.IGNORECASE,
)
_HEDGE = re.compile(
    r"\b(should (now )?work|haven'?t (been able to )?(run|test|verif)|(not|un)(tested|verified)"
    r"|couldn'?t (run|test|verify) (it|this|them))",
    re.IGNORECASE,
)
# Cheap tests that rule a text out before the regexes run (see models.prefilter).
_ERROR_PASTE_PRE = prefilter(_ERROR_PASTE)
_CLOSING = (_GAVE_UP, _INCOMPLETE, _HEDGE)  # read in the agent's last words
_CLOSING_PRE = prefilter(*_CLOSING)

_CHITCHAT = re.compile(
    r"^\s*(hi|hello|hey|yo|test|testing|ping|привет|здравствуй|olá|oi|你好|您好|hola|hallo|salut)"
    r"\W*$",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Signals:
    prompts: list[str] = field(default_factory=list)  # what the person typed, wrappers removed
    intent: dict[str, float] = field(default_factory=dict)  # vocabulary per work mode, first prompt x2
    first_intent: dict[str, int] = field(default_factory=dict)
    corrections: int = 0  # prompts that push back (not interrupts)
    interrupts: int = 0
    rejections: int = 0
    complaints: int = 0
    affirmations: int = 0
    error_pasted: bool = False  # the person pasted error output: the work was triggered by a breakage
    plan_tools: int = 0
    ask_tools: int = 0
    agent_tools: int = 0
    web_tools: int = 0
    ships: int = 0  # push/merge/deploy/publish commands
    plan_docs: int = 0  # edits of planning documents (roadmap, todo, design notes)
    gave_up: bool = False  # the agent's closing words say it could not do (part of) the task
    final_error: bool = False  # an error after the last success that nobody moved past
    unfinished: bool = False  # nothing happened after the last prompt: the transcript stops mid-task
    failed_edits: int = 0  # edit/write calls whose result was an error (e.g. permission denied)
    paths: list[str] = field(default_factory=list)  # files named by tool calls (project context)
    chitchat: bool = False
    goal_less: bool = False  # every prompt sets no task (greeting, idle question, probe)
    settled: bool = False  # the person's last prompt settles for part of the task
    incomplete: bool = False  # the agent's closing report leaves part of the task undone
    hedged: bool = False  # the agent's closing words hedge on whether it works
    error_run: int = 0  # longest run of failing tool calls in a row (a loop)
    words_typed: int = 0
    precision: list[int] = field(default_factory=list)  # per prompt, see language.precision
    edits: dict[str, int] = field(default_factory=dict)  # code, tests, docs, config, data
    edit_total: int = 0


def _lower_tools(state: SessionState) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, count in state.tools.items():
        key = name.lower().rsplit("__", 1)[-1]
        out[key] = out.get(key, 0) + count
    return out


def extract(state: SessionState) -> Signals:
    s = Signals()
    n = state.n
    items = state.evidence.items()
    s.interrupts = n.get("interrupts", 0)
    s.rejections = n.get("rejected_tools", 0)
    s.complaints = n.get("complaints", 0)
    s.affirmations = n.get("affirmations", 0)
    total: dict[str, float] = {}
    last_prompt_ts: float | None = None
    closing: list[str] = []  # the agent's last words
    run, prev_ok = 0, False
    for ts, kind, text in items:
        if kind == "prompt":
            typed = _typed(text)
            if typed is None:
                if text.lower().lstrip().startswith("[request interrupted") and not n.get("interrupts"):
                    s.interrupts += 1
                continue
            last_prompt_ts = ts
            _read_prompt(s, typed, total)
        elif kind == "tool":
            run = 0 if prev_ok else run  # the previous call succeeded: a run of failures ends
            prev_ok = True
            name, _, target = text.partition(": ")
            if name.lower() in EDIT_TOOLS:
                s.plan_docs += is_plan_doc(target)
            if " " in target and _SHIP.search(target):  # every shipping command has a space in it
                s.ships += 1
            if "/" in target and len(s.paths) < 200:
                s.paths.append(target)
        elif kind == "error":
            s.failed_edits += text.split(" ", 1)[0].lower() in EDIT_TOOLS
            if not text.startswith("user rejected"):
                run, prev_ok = run + 1, False
                s.error_run = max(s.error_run, run)
        elif kind == "assistant":
            closing = [*closing[-2:], text]
    closing = [text[:800] for text in closing]
    may = [_CLOSING_PRE.possible(text) for text in closing]
    s.gave_up = any(_says(0, text, found) for text, found in zip(closing, may, strict=True))
    s.incomplete = any(_says(1, text, found) for text, found in zip(closing, may, strict=True))
    s.hedged = bool(closing) and _says(2, closing[-1], may[-1])
    s.intent = total
    s.chitchat = bool(s.prompts) and all(_CHITCHAT.match(p) for p in s.prompts)
    s.goal_less = bool(s.prompts) and all(is_goalless(p) for p in s.prompts)
    s.settled = len(s.prompts) > 1 and settles(s.prompts[-1])

    tools = _lower_tools(state)
    s.plan_tools = sum(tools.get(t, 0) for t in PLAN_TOOLS)
    s.ask_tools = sum(tools.get(t, 0) for t in ASK_TOOLS)
    s.agent_tools = sum(tools.get(t, 0) for t in AGENT_TOOLS)
    s.web_tools = sum(tools.get(t, 0) for t in WEB_TOOLS)

    f = state.files
    s.edits = {
        "code": f.get("code", 0) + f.get("other", 0),
        "tests": f.get("test", 0),
        "docs": f.get("docs", 0),
        "config": f.get("config", 0),
        "data": f.get("data", 0) + f.get("notebook", 0),
    }
    s.edit_total = sum(s.edits.values())

    # How it ended. The evidence may have lost the end of a long turn, so use the counters' times.
    last_err, last_ok = state.last_error_ts, state.last_ok_ts
    s.final_error = (
        last_err is not None
        and (last_ok is None or last_err > last_ok)
        and (last_prompt_ts is None or last_prompt_ts < last_err)  # a later request moved past it
    )
    s.unfinished = last_prompt_ts is not None and state.last_ts - last_prompt_ts < 1.0 and not state.ended
    return s


def _says(index: int, text: str, may: set[int] | None) -> bool:
    """Whether _CLOSING[index] matches the text, given the text's _CLOSING_PRE.possible."""
    return (may is None or index in may) and _CLOSING[index].search(text) is not None


def is_plan_doc(target: str) -> bool:
    """Whether an edited file is a planning document (roadmap, todo list, design notes)."""
    # only what lower-cases to ".md" matches \.md case-insensitively
    return (".md" in target.lower() and _PLAN_FILE.search(target) is not None) or (
        _PLAN_FOLDER.search(target) is not None
    )


def _typed(text: str) -> str | None:
    """The person's words of a prompt item; None for feedback markers and injected text."""
    if text.startswith("[user "):  # feedback events are counted from the counters
        return None
    return clean_prompt(text) or None


def _read_prompt(s: Signals, typed: str, total: dict[str, float]) -> None:
    first = not s.prompts
    s.prompts.append(typed)
    s.words_typed += len(typed.split())
    s.precision.append(precision(typed))
    found = intents(typed)
    if first:
        s.first_intent = found
    weight = 2.0 if first else 1.0  # the first prompt sets the task, so it counts double
    for mode, hits in found.items():
        total[mode] = total.get(mode, 0.0) + (hits if hits < 4 else 4) * weight
    if not first:
        s.corrections += is_correction(typed)
        s.complaints += is_complaint(typed)
        s.affirmations += is_affirmation(typed)
    if len(typed) > 80 and not _ERROR_PASTE_PRE.rules_out(typed) and _ERROR_PASTE.search(typed[:3000]):
        s.error_pasted = True
