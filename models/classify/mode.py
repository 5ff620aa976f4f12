"""Work mode: the session's dominant activity (METHOD.md facet 1), not the user's stated intent.

What the agent did decides the family (changed code, changed prose, changed configuration or ran
operations, changed nothing); the person's vocabulary only separates modes that do the same things
(fix vs build: was something broken? plan vs write: is the prose a plan?).
"""

from __future__ import annotations

from models.classification import WorkMode
from models.classify.signals import Signals
from models.session import SessionState


def _top(intent: dict[str, float], among: tuple[str, ...]) -> tuple[str, float]:
    best = max(among, key=lambda m: (intent.get(m, 0.0), -among.index(m)))
    return best, intent.get(best, 0.0)


def _broken(s: Signals) -> bool:
    """Triggered by something broken: the person reports a failure or pastes an error."""
    fix = s.intent.get("fix", 0.0)
    first_fix = s.first_intent.get("fix", 0)
    first_build = s.first_intent.get("build", 0)
    return (
        s.error_pasted
        or (first_fix > 0 and first_fix >= first_build)
        or (fix >= 2 and fix >= s.intent.get("build", 0.0))
    )


def work_mode(state: SessionState, s: Signals) -> WorkMode:
    cmds = state.cmds
    intent = s.intent
    ops = cmds.get("deploy", 0) + cmds.get("container", 0) + cmds.get("install", 0) + s.ships
    running = cmds.get("run", 0) + ops
    data_cmds = cmds.get("data", 0)
    e = s.edits
    code = e["code"] + e["tests"]

    if s.edit_total == 0:
        return _no_change_mode(state, s, ops, running, data_cmds)

    # Analysis: the product is an insight from data (notebooks, data files, queries).
    analyze = intent.get("analyze", 0.0)
    asked = analyze >= 2 and analyze > intent.get("build", 0.0) + intent.get("fix", 0.0)
    if (e["data"] and e["data"] >= max(code, e["docs"])) or (data_cmds >= 3 and analyze >= 2) or (data_cmds and asked):
        return WorkMode.ANALYZE
    # Prose: docs dominate the changes.
    if e["docs"] > code and e["docs"] >= e["config"]:
        # prompts and agent definitions are prose, but writing them is orchestrating agents
        orchestrate = intent.get("orchestrate", 0.0)
        if orchestrate >= 2 and orchestrate > intent.get("write", 0.0) + intent.get("plan", 0.0):
            return WorkMode.ORCHESTRATE
        planning = s.plan_docs * 2 + s.plan_tools + intent.get("plan", 0.0)
        # a planning document only makes it planning when the person talks about plans
        if planning > intent.get("write", 0.0) + 1 and s.plan_docs and (intent.get("plan") or s.plan_tools):
            return WorkMode.PLAN
        return WorkMode.WRITE
    # Configuration and operations: environment, CI, deployment, repository housekeeping.
    if e["config"] > code or (ops >= 3 and ops > code):
        if _broken(s) and intent.get("fix", 0.0) > intent.get("operate", 0.0):
            return WorkMode.FIX
        return WorkMode.OPERATE
    # Code changed. Testing when tests are the product; agents/evals when those are.
    # tests are all that changed (the dominant activity), unless something broken triggered it
    only_tests = e["code"] == 0 and not _broken(s)
    if e["tests"] > e["code"] and (only_tests or intent.get("test", 0.0) >= intent.get("build", 0.0)):
        return WorkMode.TEST
    orchestrate = intent.get("orchestrate", 0.0)
    if orchestrate >= 3 and orchestrate > intent.get("build", 0.0) + intent.get("fix", 0.0):
        return WorkMode.ORCHESTRATE
    if _broken(s):
        return WorkMode.FIX
    if code <= 2 and e["docs"] + s.plan_docs >= code and intent.get("plan", 0.0) > intent.get("build", 0.0):
        return WorkMode.PLAN
    return WorkMode.BUILD


def _no_change_mode(state: SessionState, s: Signals, ops: int, running: int, data_cmds: int) -> WorkMode:
    """Nothing was edited: operating, analysing, planning, fixing attempts or understanding."""
    intent = s.intent
    actions = state.n.get("actions", 0)
    if data_cmds >= 2 and intent.get("analyze", 0.0) >= 1:
        return WorkMode.ANALYZE
    if s.plan_tools and intent.get("plan", 0.0) >= intent.get("understand", 0.0):
        return WorkMode.PLAN
    if state.cmds.get("test", 0) >= 2 and intent.get("test", 0.0) >= 1:
        return WorkMode.TEST
    if _broken(s) and intent.get("fix", 0.0) >= 1:
        return WorkMode.FIX
    if s.gave_up and intent.get("build", 0.0) >= 2 and intent.get("build", 0.0) > intent.get("understand", 0.0):
        return WorkMode.BUILD  # set out to build and gave up before changing anything
    if running >= 2 or (ops and intent.get("operate", 0.0) >= intent.get("understand", 0.0)):
        return WorkMode.OPERATE
    if s.agent_tools >= 3 and intent.get("orchestrate", 0.0) >= 1:
        return WorkMode.ORCHESTRATE
    mode, score = _top(intent, ("plan", "analyze", "write", "operate", "understand"))
    if score > intent.get("understand", 0.0) and score >= 2:
        return WorkMode(mode)
    if actions == 0 and intent.get("write", 0.0) > 0:
        return WorkMode.WRITE
    return WorkMode.UNDERSTAND
