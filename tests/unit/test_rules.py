"""The rule classifier on hand-built sessions: one behaviour of METHOD.md per test."""

from __future__ import annotations

import time
from itertools import count
from typing import Any

import pytest

from models.classification import UNCLEAR, Outcome, WorkMode
from models.classify.rules import classify
from models.events import EVENT_ADAPTER
from models.session import SessionState, apply, new_session

T0 = 1_767_225_600.0  # 2026-01-01


class Session:
    """A tiny script of a session: each call appends native events one second apart."""

    def __init__(self) -> None:
        self.state = new_session("s1")
        self.ids = count()
        self.ts = T0

    def _add(self, **fields: Any) -> Session:
        i = next(self.ids)
        self.ts += 1
        event = EVENT_ADAPTER.validate_python(
            {"event_id": f"e{i}", "session_id": "s1", "ts": self.ts, "agent": "claude_code", **fields}
        )
        apply(self.state, event)
        return self

    def prompt(self, text: str) -> Session:
        return self._add(type="prompt", text=text)

    def say(self, text: str) -> Session:
        return self._add(type="assistant_text", text=text)

    def tool(self, name: str, ok: bool = True, output: str = "", rejected: bool = False, **inp: Any) -> Session:
        call = f"c{next(self.ids)}"
        self._add(type="tool_call", call_id=call, name=name, input=inp)
        return self._add(type="tool_result", call_id=call, name=name, is_error=not ok, output=output, rejected=rejected)

    def edit(self, path: str, new: str = "a\nb\nc", old: str = "a") -> Session:
        return self.tool("Edit", file_path=path, old_string=old, new_string=new)

    def write(self, path: str, content: str = "x\ny\nz\n") -> Session:
        return self.tool("Write", file_path=path, content=content)

    def bash(self, command: str, ok: bool = True, output: str = "") -> Session:
        return self.tool("Bash", ok=ok, output=output, command=command)

    def tests(self, ok: bool, command: str = "pytest -q") -> Session:
        self.bash(command, ok=ok, output="1 passed" if ok else "1 failed")
        return self._add(type="test_run", ok=ok, command=command)

    def commit(self) -> Session:
        self.bash("git commit -m 'x'")
        return self._add(type="commit", ok=True, message="x")

    def feedback(self, kind: str, text: str = "") -> Session:
        return self._add(type="user_feedback", kind=kind, text=text)

    def end(self) -> SessionState:
        self._add(type="session_end", reason="exit")
        return self.state


def build_session() -> SessionState:
    s = Session().prompt("Add a CSV export endpoint to the reports API in src/api/reports.py, with unit tests")
    s.tool("Read", file_path="src/api/reports.py").tool("Grep", pattern="export")
    s.write("src/api/export.py", "\n".join(f"line {i}" for i in range(60)))
    s.edit("src/api/reports.py").write("tests/test_export.py", "def test_x():\n    assert True\n")
    s.tests(True).say("Added the endpoint and tests; all pass.")
    return s.end()


def test_writing_code_and_tests_is_build_with_hard_success() -> None:
    c = classify(build_session())
    assert c.work_mode is WorkMode.BUILD
    assert c.outcome is Outcome.SUCCEEDED
    assert c.success_signal >= 4  # passing tests at the end are a hard signal
    assert c.failure_signal == 0
    assert c.backend == "rules"


def test_failing_test_then_fixed_is_fix_with_strong_success() -> None:
    s = Session().prompt("The login test fails with KeyError: 'user' after the last merge, please fix it")
    s.tests(False).tool("Read", file_path="app/auth.py").edit("app/auth.py").tests(True).commit()
    s.say("Fixed the missing key; tests pass and the fix is committed.")
    c = classify(s.end())
    assert c.work_mode is WorkMode.FIX
    assert c.outcome is Outcome.SUCCEEDED
    assert c.success_signal >= 4
    assert c.failure_signal <= 2  # a failure that was recovered is a blip, not a hard signal


def test_reads_and_questions_only_is_understand() -> None:
    s = Session().prompt("How does the session closing work in this codebase? Explain the inactivity gap.")
    s.tool("Read", file_path="models/closing.py").tool("Grep", pattern="gap").tool("Read", file_path="x/app.py")
    s.say("Sessions close when no event arrives for the gap. " * 20)
    s.prompt("And why is the grace period measured in wall time?").say("Because windows are wall-clock. " * 10)
    c = classify(s.end())
    assert c.work_mode is WorkMode.UNDERSTAND
    assert c.outcome is Outcome.SUCCEEDED
    assert c.success_signal == 2  # a clean ending without hard signals is soft success
    assert c.failure_signal == 0


def test_deploy_commands_are_operate() -> None:
    s = Session().prompt("Deploy the new release to the staging cluster and check the pods come up")
    s.bash("kubectl apply -f k8s/staging.yaml").bash("kubectl rollout status deploy/api")
    s.bash("helm upgrade api charts/api").bash("kubectl get pods -n staging", output="Running")
    s.say("Rolled out; all pods are running.")
    c = classify(s.end())
    assert c.work_mode is WorkMode.OPERATE
    assert c.outcome is Outcome.SUCCEEDED


def test_chit_chat_has_no_clear_goal_and_no_expertise() -> None:
    s = Session().prompt("hi").say("Hello! How can I help you today?")
    c = classify(s.end())
    assert c.outcome is Outcome.NO_CLEAR_GOAL
    assert c.expertise is None
    assert c.occupation == UNCLEAR


def test_empty_session_has_no_clear_goal() -> None:
    c = classify(Session().end())
    assert c.outcome is Outcome.NO_CLEAR_GOAL
    assert c.user_planning_share is None and c.user_execution_share is None


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("Исправь ошибку: тесты падают после обновления зависимостей", WorkMode.FIX),
        ("Corrija o erro no login, o teste está falhando desde ontem", WorkMode.FIX),
        ("修复登录页面的错误，测试一直失败", WorkMode.FIX),
        ("Реализуй новый модуль экспорта отчётов в CSV", WorkMode.BUILD),
        ("Implemente um novo módulo de exportação de relatórios", WorkMode.BUILD),
        ("实现一个新的报表导出模块", WorkMode.BUILD),
    ],
)
def test_prompts_in_other_languages_separate_fix_from_build(text: str, mode: WorkMode) -> None:
    s = Session().prompt(text).tool("Read", file_path="app/report.py")
    s.edit("app/report.py").write("app/export.py").tests(True).say("Done.")
    assert classify(s.end()).work_mode is mode


@pytest.mark.parametrize(
    "text",
    [
        "Объясни, как работает модуль авторизации?",
        "Explique como funciona o módulo de autenticação?",
        "解释一下认证模块是怎么工作的？",
    ],
)
def test_questions_in_other_languages_are_understand(text: str) -> None:
    s = Session().prompt(text).tool("Read", file_path="app/auth.py").say("It checks the token. " * 20)
    c = classify(s.end())
    assert c.work_mode is WorkMode.UNDERSTAND
    assert c.outcome is not Outcome.NO_CLEAR_GOAL


def test_corrections_raise_the_failure_signal() -> None:
    calm = classify(build_session()).failure_signal
    s = Session().prompt("Add a retry decorator to src/net/client.py for HTTP 503 responses")
    s.edit("src/net/client.py").say("Done.")
    s.prompt("No, that's wrong: you retried every status code, I said only 503").edit("src/net/client.py")
    s.feedback("interrupt").prompt("stop, you broke the timeout handling").edit("src/net/client.py").say("Fixed.")
    pushed = classify(s.end()).failure_signal
    assert pushed >= 3 > calm


def test_unrecovered_final_error_and_complaint_are_hard_failures() -> None:
    s = Session().prompt("Make the importer handle the new CSV format in importer/load.py")
    s.edit("importer/load.py").tests(False).say("The test still fails; I could not find the cause.")
    s.prompt("it still doesn't work, this is useless").bash("python -m importer", ok=False, output="Traceback")
    c = classify(s.end())
    assert c.failure_signal >= 4
    assert c.outcome in (Outcome.FAILED, Outcome.PARTIAL)
    assert not (c.outcome is Outcome.SUCCEEDED and c.success_signal >= 4)


def test_rejected_tools_without_progress_fail() -> None:
    s = Session().prompt("mix phx.server doesn't seem to start")
    s.tool("Bash", rejected=True, ok=False, command="mix phx.server").feedback("interrupt")
    c = classify(s.end())
    assert c.outcome is Outcome.FAILED
    assert c.failure_signal >= 3
    assert c.success_signal <= 1


def test_docs_only_session_is_write_and_plan_docs_are_plan() -> None:
    s = Session().prompt("Update the README with the new install steps and the CLI reference")
    s.tool("Read", file_path="README.md").edit("README.md").edit("docs/cli.md").say("Updated both docs.")
    assert classify(s.end()).work_mode is WorkMode.WRITE
    p = Session().prompt("Let's design the approach for phase 3 sharing; add it to the roadmap as a plan")
    p.tool("Read", file_path=".planning/ROADMAP.md").edit(".planning/ROADMAP.md").edit(".planning/PLAN-3.md")
    p.say("Added phase 3 with the chosen approach.")
    assert classify(p.end()).work_mode is WorkMode.PLAN


def test_plan_mode_without_changes_is_plan() -> None:
    s = Session().prompt("Plan how we should migrate the queue to Kafka; propose options before any change")
    s.tool("Read", file_path="src/queue.py").tool("Grep", pattern="enqueue")
    s.tool("ExitPlanMode", plan="1. add producer 2. dual write 3. cut over").say("Here is the plan.")
    assert classify(s.end()).work_mode is WorkMode.PLAN


def test_data_analysis_is_analyze() -> None:
    s = Session().prompt("Analyze sales.csv: which regions drive the revenue trend? Plot it.")
    s.bash("python -c 'import pandas as pd; pd.read_csv(\"sales.csv\")'").bash("duckdb -c 'select 1'")
    s.write("analysis/revenue.ipynb").say("The west region drives 60% of growth.")
    assert classify(s.end()).work_mode is WorkMode.ANALYZE


def test_test_writing_is_test() -> None:
    s = Session().prompt("Write unit tests for the parser, raise coverage above 90%")
    s.tool("Read", file_path="src/parser.py").write("tests/test_parser.py").write("tests/test_lexer.py")
    s.tests(True).say("Coverage is 93%.")
    assert classify(s.end()).work_mode is WorkMode.TEST


def test_decision_shares_are_in_range_and_follow_who_steers() -> None:
    precise = Session().prompt(
        "In src/api/reports.py change `export_csv` to stream rows with `csv.writer`; keep the header order, "
        "run pytest tests/test_reports.py and make sure the 10k-row case stays under 1s"
    )
    precise.edit("src/api/reports.py").tests(True).say("Done.")
    vague = Session().prompt("make the app better")
    vague.tool("TodoWrite", todos=["a", "b"]).tool("Task", prompt="explore").tool("ExitPlanMode", plan="p")
    for i in range(40):
        vague.edit(f"src/m{i}.py")
    vague.say("I improved many things.")
    a, b = classify(precise.end()), classify(vague.end())
    for c in (a, b):
        assert c.user_planning_share is not None and 0 <= c.user_planning_share <= 1
        assert c.user_execution_share is not None and 0 <= c.user_execution_share <= 1
    assert a.user_planning_share > b.user_planning_share  # type: ignore[operator]
    assert a.user_execution_share > b.user_execution_share  # type: ignore[operator]


def test_expertise_follows_setup_verification_and_corrections() -> None:
    expert = Session().prompt(
        "In src/cache/lru.py the eviction in `put` is O(n) because of `list.remove`; switch to an OrderedDict, "
        "keep the `max_bytes` accounting, and verify with pytest tests/test_lru.py plus the benchmark"
    )
    expert.edit("src/cache/lru.py").tests(True).say("Switched to OrderedDict.")
    expert.prompt("No, `max_bytes` must count value sizes, not keys; fix `_size` in src/cache/lru.py")
    expert.edit("src/cache/lru.py").tests(True).say("Fixed.")
    novice = Session().prompt("how do i make a website").say("You can start with HTML. " * 30)
    e, n = classify(expert.end()).expertise, classify(novice.end()).expertise
    assert e is not None and n is not None
    assert e >= 4 and n <= 2


def test_occupation_needs_context_not_code() -> None:
    plain = Session().prompt("write a function that adds two numbers").write("add.py").say("Done.")
    assert classify(plain.end()).occupation == UNCLEAR
    clinic = Session().prompt(
        "Add a patient intake form to the clinic app; the physician needs the medication list and diagnosis codes"
    )
    clinic.write("app/intake.py").say("Done.")
    assert classify(clinic.end()).occupation == "Healthcare Practitioners and Technical"


def test_task_value_is_relative_and_bounded() -> None:
    small = classify(Session().prompt("what is this repo?").say("A CLI.").end()).task_value
    big = classify(build_session()).task_value
    assert 0 <= small < big <= 1


def test_classification_is_deterministic_and_fast() -> None:
    state = build_session()
    first = classify(state)
    start = time.perf_counter()
    for _ in range(200):
        assert classify(state) == first
    per_session = (time.perf_counter() - start) / 200
    assert per_session < 0.001
