"""Turning a sampled session plan into native events, counting the structure measures as it goes.

The counts are kept by construction, in the reducer's terms (models.session): an action is a
tool call, lines come from the call, errors are failed (not rejected) tool results plus error
events, corrections are correcting prompts, rejected tool uses and interrupts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from models.generator_prompts import closing_text, prompt_text
from models.generator_text import AFFIRM, AREAS, COMPLAINT, FILLER, INTERRUPT, SAYS
from models.generator_tools import EDITS, PROFILES, Workspace, below, pick, randint, render, target_for
from models.language import is_correction

COUNTS = ("turns", "actions", "words", "output_tokens", "lines_added", "lines_removed", "commits", "pull_requests",
          "test_runs", "test_passes", "test_failures", "errors", "user_corrections", "events")  # fmt: skip
_ERRORS = {
    "read": "File does not exist.",
    "edit": "String to replace not found in file.",
    "bash": "Exit code 1\nTraceback (most recent call last):\n  ...\nRuntimeError: connection refused",
}
_CALL_PREFIX = {"claude_code": "toolu_01", "codex": "call_", "copilot_cli": "tooluse_"}


@dataclass(slots=True)
class Plan:
    """What one session will be: its facets and the shape its events must show."""

    mode: str
    expertise: int
    outcome: str
    success: int
    failure: int
    actions: list[int]  # per turn
    words: list[int]  # per turn
    hard_success: tuple[str, ...]  # commit, pr, tests, output, affirm
    hard_failure: tuple[str, ...]  # final_error, tests_fail, complaint
    blips: int  # single tool errors, each recovered by a retry
    loop: bool  # a brief loop of failing attempts, then recovery
    pushback: str | None  # correction, reject, interrupt, giveup
    no_edits: bool
    lang: int | None  # index into LANGS; None is English
    no_goal: str | None  # greet, idle, explore, probe or aborted (see NO_GOAL); None: the session has a goal
    partial: str | None  # how a partial success shows: settle (last prompt), incomplete (closing), giveup
    end: bool  # a session_end event closes it (else the inactivity gap does)


class Builder:
    """Appends one session's events (relative time from 0) and counts the structure measures."""

    def __init__(self, rng: random.Random, sid: str, agent: str, model: str, base: dict[str, Any],
                 ws: Workspace) -> None:  # fmt: skip
        self.rng, self.sid, self.agent, self.model, self.ws = rng, sid, agent, model, ws
        self.base = base
        self.events: list[dict[str, Any]] = []
        self.n = dict.fromkeys(COUNTS, 0)
        self.t = 0.0
        self.ctx = 4000  # input tokens grow with the conversation
        self.edited = False
        self.call_prefix = _CALL_PREFIX.get(agent, "call_") + sid[:8]

    def emit(self, type_: str, gap: float, fields: dict[str, Any]) -> None:
        self.t += gap
        event = {"event_id": f"{self.sid}:{len(self.events):04d}", "type": type_, "ts": self.t}
        event.update(self.base)
        event.update(fields)
        self.events.append(event)

    def prompt(self, text: str, gap: float) -> None:
        self.n["turns"] += 1
        self.n["user_corrections"] += is_correction(text)  # the reducer's own judgement of the text
        self.emit("prompt", gap, {"text": text})

    def say(self, words: int, text: str) -> None:
        out = int(words * 1.3) + below(self.rng, 5, 60)
        self.ctx += out + 600
        self.n["words"] += words
        self.n["output_tokens"] += out
        cost = round(self.ctx * 3e-6 + out * 15e-6, 6)
        fields = {"text": text, "words": words, "output_tokens": out, "input_tokens": self.ctx, "cost_usd": cost,
                  "model": self.model}  # fmt: skip
        self.emit("assistant_text", 2.0 + self.rng.random() * 8, fields)

    def act(self, action: str, target: str, *, error: str | None = None, rejected: bool = False,
            subagent: bool = False, output: str = "ok") -> None:  # fmt: skip
        """One tool call and its result."""
        rng, n = self.rng, self.n
        name, inp, added, removed, explicit = render(self.agent, action, self.ws, target)
        call_id = f"{self.call_prefix}{len(self.events):04x}{rng.getrandbits(40):010x}"
        fields: dict[str, Any] = {"call_id": call_id, "name": name, "input": inp, "model": self.model}
        if explicit:
            fields["lines_added"], fields["lines_removed"] = added, removed
        if subagent:
            fields["subagent"] = True
        n["actions"] += 1
        self.edited = self.edited or action in EDITS
        n["lines_added"] += added
        n["lines_removed"] += removed
        self.emit("tool_call", 0.5 + rng.random() * 5, fields)
        result: dict[str, Any] = {"call_id": call_id, "name": name, "output": output}
        if rejected:
            result.update(is_error=True, rejected=True, output="The user doesn't want to proceed with this tool use.")
            n["user_corrections"] += 1
        elif error is not None:
            result.update(is_error=True, output=error)
            n["errors"] += 1
        slow = action == "bash" or action == "task"
        self.emit("tool_result", (0.3 + rng.random() * 20) if slow else (0.05 + rng.random()), result)

    def fail_then_retry(self, action: str, target: str, attempts: int) -> None:
        err = _ERRORS.get(action, _ERRORS["bash"])
        for _ in range(attempts):
            self.act(action, target, error=err)
        self.act(action, target)

    def test(self, ok: bool) -> None:
        cmd = self.ws.command("test")
        passed, failed = randint(self.rng, 8, 240), 0 if ok else randint(self.rng, 1, 6)
        summary = f"{passed} passed" + (f", {failed} failed" if failed else "")
        self.act("bash", cmd, error=None if ok else f"Exit code 1\n{summary}", output=summary)
        self.n["test_runs"] += 1
        self.n["test_passes" if ok else "test_failures"] += 1
        self.emit("test_run", 0.01, {"ok": ok, "command": cmd, "passed": passed, "failed": failed})

    def feedback(self, kind: str, text: str) -> None:
        self.n["user_corrections"] += kind in ("interrupt", "reject", "correction")
        self.emit("user_feedback", 1.0 + self.rng.random() * 20, {"kind": kind, "text": text})


def _words_text(mode: str, words: int, rng: random.Random) -> str:
    say = pick(rng, SAYS[mode])
    extra = min(words - len(say.split()), len(FILLER))
    return f"{say} {' '.join(FILLER[:extra])}" if extra > 0 else say


def build(plan: Plan, b: Builder) -> None:
    """All events of the plan, in time order, with the session's closing signals in its last turn."""
    rng, ws, mode = b.rng, b.ws, plan.mode
    profile = PROFILES[mode]
    turns = len(plan.actions)
    tail = _tail(plan, mode)
    budgets = list(plan.actions)
    budgets[-1] = max(0, budgets[-1] - len(tail))
    pushback = plan.pushback
    if pushback in ("correction", "interrupt") and turns < 2:
        pushback = "reject"  # the plan gives these two turns; this guards a hand-made plan
    if plan.success < 3:  # no verification run along the way: that would be a moderate signal
        profile = (*profile[:3], tuple("run" if c == "build" else c for c in profile[3]))
    specials = _specials(plan, pushback, budgets, rng)
    # reproduce the failure first (a recovered test failure is a blip: not when nothing went wrong)
    fix_first = mode == "fix" and "tests" in plan.hard_success and plan.failure >= 1
    b.emit("session_start", 0.0, {"cwd": ws.cwd, "agent_version": "2.0.31" if b.agent == "claude_code" else "0.5"})
    closing = 0
    for k in range(turns):
        think = 1.0 + rng.random() * 4 if k == 0 else min(rng.lognormvariate(3.8, 1.0), 1500.0)
        b.prompt(prompt_text(plan, ws, k, (k, -1) in specials, k == turns - 1, b.base["project"]), think)
        words, budget = plan.words[k], budgets[k]
        opening = words // 8 if budget else 0
        closing = words - opening
        if opening:
            b.say(opening, _words_text(mode, opening, rng))
        i = 0
        while i < budget:
            special = specials.get((k, i))
            action = pick(rng, profile[0])
            if plan.no_edits and action in EDITS:
                action = "read"
            target = target_for(action, ws, profile)
            if k == 0 and i == 0 and fix_first:
                b.test(False)
            elif special == "reject" and plan.no_edits:
                b.act("bash", ws.command(pick(rng, profile[3])), rejected=True)
            elif special == "reject":
                b.act("edit", ws.path(pick(rng, profile[2])), rejected=True)
            elif special == "interrupt":
                b.act(action, target)
                b.feedback("interrupt", INTERRUPT)
                break
            elif special == "blip":
                b.fail_then_retry(action, target, 1)
            elif special == "loop":  # a command of the kind this work runs, failing a few times
                b.fail_then_retry("bash", ws.command(pick(rng, profile[3])), randint(rng, 2, 4))
            elif action == "task" and b.agent == "claude_code" and budget - i > 2:
                sub = min(randint(rng, 2, 6), budget - i - 1)
                if any((k, j) in specials for j in range(i + 1, i + sub + 1)):
                    sub = 0
                b.act("task", target)
                for _ in range(sub):
                    sub_action = pick(rng, ("read", "read", "grep", "glob"))
                    b.act(sub_action, target_for(sub_action, ws, profile), subagent=True)
                i += sub
            else:
                b.act(action, target)
            i += 1
        changes = mode in ("build", "fix", "test", "write") or plan.success == 3
        if k == turns - 1 and changes and not (plan.no_edits or b.edited):
            b.act("edit", ws.path(pick(rng, profile[2])))  # sessions that set out to change code do change it
        if closing > 0 and k != turns - 1:
            b.say(closing, _words_text(mode, closing, rng))
    _close(plan, b, tail, closing)


def _specials(plan: Plan, pushback: str | None, budgets: list[int], rng: random.Random) -> dict[tuple[int, int], str]:
    """Where the failure signal's events happen: (turn, action index) -> blip, loop, reject, interrupt."""
    if not any(budgets):
        budgets[0] = 1  # a failure signal needs an action to fail
    slots = [k for k, n in enumerate(budgets) if n]
    skip_first = plan.mode == "fix" and "tests" in plan.hard_success
    spots: dict[tuple[int, int], str] = {}
    wanted = ["blip"] * plan.blips + (["loop"] if plan.loop else [])
    if pushback == "reject":
        wanted.append(pushback)
    elif pushback in ("correction", "interrupt"):  # an interrupt is followed by the person's correction
        k = below(rng, 1, len(budgets))
        spots[(k, -1)] = "correction"
        if pushback == "interrupt" and budgets[k - 1]:
            spots[(k - 1, budgets[k - 1] - 1)] = "interrupt"
    for kind in wanted:
        for _ in range(4):  # a few tries for a free spot; a crowded short session may keep fewer
            k = pick(rng, slots)
            i = below(rng, budgets[k])
            if (k, i) not in spots and not (skip_first and (k, i) == (0, 0)):
                spots[(k, i)] = kind
                break
    return spots


def _tail(plan: Plan, mode: str) -> list[str]:
    """The closing actions that carry the session's hard signals, in the order they happen."""
    ops: list[str] = [op for op in ("tests", "commit", "pr", "output") if op in plan.hard_success]
    if "tests_fail" in plan.hard_failure:
        ops.append("tests_fail")
    if plan.success == 3:
        ops.append("check")  # a clean build or run: a moderate signal
    if mode == "plan" and plan.no_goal is None:
        ops.insert(0, "exitplan")
    if "final_error" in plan.hard_failure:
        ops.append("final_error")
    return ops


def _close(plan: Plan, b: Builder, tail: list[str], words: int) -> None:
    rng, ws = b.rng, b.ws
    for op in tail:
        if op in ("tests", "tests_fail"):
            b.test(op == "tests")
        elif op == "commit":
            msg = f"{plan.mode}: {pick(rng, AREAS)} changes"
            b.act("bash", f'git add -A && git commit -m "{msg}"', output=f"[main {rng.getrandbits(28):07x}] {msg}")
            b.n["commits"] += 1
            b.emit("commit", 0.01, {"ok": True, "sha": f"{rng.getrandbits(160):040x}", "message": msg})
        elif op == "pr":
            url = f"https://github.com/{b.base['project']}/pull/{randint(rng, 10, 4000)}"
            b.act("bash", "gh pr create --fill", output=url)
            b.n["pull_requests"] += 1
            b.emit("pull_request", 0.01, {"ok": True, "url": url})
        elif op == "output":
            kind = {"operate": "ship", "analyze": "data"}.get(plan.mode, "run")
            b.act("bash", ws.command(kind), output="deployment successfully rolled out; 200 OK; result matches")
        elif op == "check":
            b.act("bash", ws.command("build"), output="Build succeeded, 0 warnings")
        elif op == "exitplan":
            b.act("exitplan", "1. survey 2. design 3. migrate 4. verify", output="User approved the plan")
        elif op == "final_error":
            b.act("bash", ws.command(pick(rng, PROFILES[plan.mode][3])), error=_ERRORS["bash"])
    if words > 0:
        b.say(words, closing_text(plan, rng, _words_text(plan.mode, words, rng)))
    if "affirm" in plan.hard_success:
        b.feedback("affirm", pick(rng, AFFIRM))
    if "complaint" in plan.hard_failure:
        b.feedback("complaint", pick(rng, COMPLAINT))
    if plan.end:
        b.emit("session_end", 5.0 + rng.random() * 60, {"reason": pick(rng, ("exit", "exit", "clear", "logout"))})
