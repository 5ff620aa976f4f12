"""Tool calls of synthetic sessions: what each work mode does, in each agent's own tool names.

A mode profile says which abstract actions the agent takes (read, edit, bash, ...) and on which
kinds of files; `render` turns one abstract action into the agent's tool name and input, with
the lines it changes. Claude Code edits carry their text (the reducer counts lines from it);
the other agents report lines explicitly, as their telemetry does.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, TypeVar

from models.generator_text import (
    AGENT_CMDS,
    AGENT_FILES,
    ANALYSIS_CODE,
    CODE_LINES,
    DATA_CMDS,
    DATA_FILES,
    DEPLOY_CMDS,
    GREP_PATTERNS,
    NOTEBOOKS,
    PLAN_FILES,
    SEARCH_CMDS,
    SHIP_CMDS,
)

T = TypeVar("T")


def pick(rng: random.Random, seq: Sequence[T]) -> T:
    """rng.choice, about three times faster (this runs for every generated event)."""
    return seq[int(rng.random() * len(seq))]


def randint(rng: random.Random, lo: int, hi: int) -> int:
    return lo + int(rng.random() * (hi - lo + 1))


def below(rng: random.Random, n: int, hi: int | None = None) -> int:
    """rng.randrange(n) or rng.randrange(n, hi), the fast way."""
    return n + int(rng.random() * (hi - n)) if hi is not None else int(rng.random() * n)


def _w(**weights: int) -> tuple[str, ...]:
    """A weighted bag, so rng.choice picks with these weights (cheaper than rng.choices)."""
    return tuple(name for name, k in weights.items() for _ in range(k))


# mode -> (actions, kinds of files read, kinds of files edited, kinds of shell commands)
PROFILES: dict[str, tuple[tuple[str, ...], ...]] = {
    "build": (_w(read=25, edit=20, write=10, multiedit=3, grep=10, glob=6, bash=18, todo=5, task=3),
              _w(code=6, test=1, config=2, docs=1), _w(code=17, test=2, config=1), _w(build=3, run=2, search=1)),
    "fix": (_w(read=28, edit=20, multiedit=2, grep=15, glob=4, bash=25, todo=4, task=2),
            _w(code=7, test=2, config=1), _w(code=17, test=2, config=1), _w(run=4, search=3, build=2)),
    "test": (_w(read=25, write=10, edit=15, grep=10, glob=5, bash=35),
             _w(code=5, test=5), _w(test=1), _w(run=1, build=1, search=1)),
    "orchestrate": (_w(task=25, read=20, write=15, edit=10, bash=20, glob=5, todo=5),
                    _w(agent=5, code=3, config=2), _w(agent=6, config=2, code=2), _w(agent=3, run=1, search=1)),
    "operate": (_w(bash=50, read=22, edit=15, grep=5, glob=3, webfetch=5),
                _w(config=7, code=1, docs=2), _w(config=1), _w(deploy=6, build=1, run=2, search=1)),
    "understand": (_w(read=50, grep=25, glob=12, bash=8, task=5),
                   _w(code=17, docs=2, config=1), _w(plan=1), _w(search=1)),
    "plan": (_w(read=45, grep=20, glob=10, task=10, bash=5, todo=5),
             _w(code=7, docs=2, config=1), _w(plan=1), _w(search=1)),
    "analyze": (_w(bash=40, read=25, write=12, edit=8, notebook=5, glob=5, grep=5),
                _w(data=5, analysis=3, notebook=2), _w(analysis=1), _w(data=5, search=1)),
    "write": (_w(read=35, write=15, edit=25, grep=10, glob=8, webfetch=4, bash=3),
              _w(code=1, docs=1), _w(docs=1), _w(search=1)),
}  # fmt: skip
EDITS = frozenset({"edit", "write", "multiedit", "notebook"})


class Workspace:
    """One project checkout: picks paths and commands, with a focus module most actions touch."""

    def __init__(self, rng: random.Random, stack: dict[str, Any], cwd: str) -> None:
        self.rng = rng
        self.stack = stack
        self.cwd = cwd
        self.focus = pick(rng, stack["modules"])
        self.lines = CODE_LINES[stack["lang"]] * 40
        self.doc_lines = CODE_LINES["docs"] * 40

    def module(self) -> str:
        return self.focus if self.rng.random() < 0.6 else pick(self.rng, self.stack["modules"])

    def rel(self, kind: str) -> str:
        s, rng = self.stack, self.rng
        if kind in ("code", "test"):
            return str(s[kind]).format(m=self.module())
        if kind in ("config", "docs"):
            return str(pick(rng, s[kind]))
        table = {"data": DATA_FILES, "notebook": NOTEBOOKS, "analysis": ANALYSIS_CODE, "agent": AGENT_FILES,
                 "plan": PLAN_FILES}  # fmt: skip
        return pick(rng, table[kind])

    def path(self, kind: str) -> str:
        return f"{self.cwd}/{self.rel(kind)}"

    def command(self, kind: str) -> str:
        s, rng = self.stack, self.rng
        if kind in ("test", "build", "run"):
            return str(pick(rng, s[f"{kind}_cmd"])).format(m=self.module())
        bags = {"deploy": DEPLOY_CMDS, "ship": SHIP_CMDS, "data": DATA_CMDS, "agent": AGENT_CMDS, "search": SEARCH_CMDS}
        return pick(rng, bags[kind])

    def text(self, n: int, docs: bool) -> str:
        pool = self.doc_lines if docs else self.lines
        i = below(self.rng, 10)
        return "\n".join(pool[i : i + n]) or "pass"


def _lines(text: str) -> int:
    return text.count("\n") + 1 if text else 0


def render(agent: str, action: str, ws: Workspace, target: str) -> tuple[str, dict[str, Any], int, int, bool]:
    """(tool name, input, lines added, lines removed, explicit) of one abstract action.

    `target` is a path for file actions and a command for bash. `explicit` means the lines are
    reported on the event (the reducer would not find them in the input).
    """
    rng = ws.rng
    if action in EDITS:
        docs = target.endswith(".md")
        new = ws.text(randint(rng, 20, 160) if action == "write" else randint(rng, 1, 24), docs)
        old = "" if action == "write" else ws.text(randint(rng, 1, 12), docs)
        added, removed = _lines(new), _lines(old)
        if agent == "claude_code":
            if action == "write":
                return "Write", {"file_path": target, "content": new}, added, 0, False
            if action == "notebook":
                return "NotebookEdit", {"notebook_path": target, "new_source": new, "cell_id": "c3"}, added, 0, True
            if action == "multiedit":
                half = {"old_string": old, "new_string": new}
                return "MultiEdit", {"file_path": target, "edits": [half, half]}, 2 * added, 2 * removed, False
            return "Edit", {"file_path": target, "old_string": old, "new_string": new}, added, removed, False
        if agent == "codex":
            patch = f"*** Begin Patch\n*** Update File: {target}\n@@\n-{old[:80]}\n+{new[:80]}\n*** End Patch"
            return "apply_patch", {"input": patch}, added, removed, True
        if action == "write":
            return "create", {"path": target, "file_text": new[:200]}, added, 0, True
        return "edit", {"path": target, "old_str": old[:200], "new_str": new[:200]}, added, removed, True
    return (*_plain(agent, action, target, rng), 0, 0, False)


def _plain(agent: str, action: str, target: str, rng: random.Random) -> tuple[str, dict[str, Any]]:
    if agent == "codex":  # Codex reads and searches through its shell
        cmd = {"read": f"sed -n '1,200p' {target}", "grep": f"rg -n '{target}'", "glob": f"rg --files -g '{target}'",
               "bash": target, "task": target, "webfetch": f"curl -sL {target}"}.get(action)  # fmt: skip
        if cmd is None:
            return "update_plan", {"plan": [{"step": "inspect", "status": "completed"}]}
        return "shell", {"command": ["bash", "-lc", cmd], "workdir": "."}
    claude = agent == "claude_code"
    if action == "read":
        return ("Read", {"file_path": target}) if claude else ("view", {"path": target})
    if action == "grep":
        return ("Grep", {"pattern": target, "output_mode": "content"}) if claude else ("grep", {"pattern": target})
    if action == "glob":
        return ("Glob", {"pattern": target}) if claude else ("glob", {"pattern": target})
    if action == "bash":
        return ("Bash" if claude else "bash"), {"command": target, "description": "Run " + target.split()[0]}
    if action == "task":
        return ("Task" if claude else "task"), {"description": "Explore the codebase", "prompt": target,
                                                 "subagent_type": "Explore"}  # fmt: skip
    if action == "webfetch":
        return ("WebFetch" if claude else "web_fetch"), {"url": target, "prompt": "summarize the relevant part"}
    if action == "exitplan":
        return "ExitPlanMode", {"plan": target}
    return ("TodoWrite" if claude else "update_todo"), {"todos": [{"content": target, "status": "in_progress"}]}


def target_for(action: str, ws: Workspace, profile: tuple[tuple[str, ...], ...]) -> str:
    rng = ws.rng
    if action == "read":
        return ws.path(pick(rng, profile[1]))
    if action in EDITS:
        kind = "notebook" if action == "notebook" else pick(rng, profile[2])
        return ws.path(kind)
    if action == "bash":
        return ws.command(pick(rng, profile[3]))
    if action == "grep":
        return pick(rng, GREP_PATTERNS)
    if action == "glob":
        return pick(rng, ("**/*.py", "src/**/*.ts", "**/*_test.go", "docs/**/*.md", "**/*.yaml"))
    if action == "webfetch":
        return pick(rng, ("https://docs.python.org/3/library/asyncio.html", "https://kubernetes.io/docs/"))
    if action == "task":
        return "Find every place that reads the session token and report file:line"
    return "Update the implementation and verify it"
