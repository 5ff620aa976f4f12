"""Prompt vocabulary in the languages of real sessions."""

from __future__ import annotations

import pytest

from models.language import (
    asks_verification,
    clean_prompt,
    intents,
    is_affirmation,
    is_complaint,
    is_correction,
    precision,
)


@pytest.mark.parametrize(
    "text",
    [
        "No, that's wrong",
        "stop, you deleted the config",
        "Нет, не так",
        "Não, está errado",
        "不对，重新来",
        "the warnings are still there",
        "I said only the header",
    ],
)
def test_corrections(text: str) -> None:
    assert is_correction(text)


@pytest.mark.parametrize(
    "text",
    [
        "Add a flag so there are no errors on empty input",
        "Implement the parser",
        "Реализуй парсер",
        "实现解析器",
    ],
)
def test_task_descriptions_are_not_corrections(text: str) -> None:
    assert not is_correction(text)


@pytest.mark.parametrize("text", ["thanks!", "Спасибо, работает", "Obrigado, perfeito", "谢谢", "looks good"])
def test_affirmations(text: str) -> None:
    assert is_affirmation(text)


@pytest.mark.parametrize("text", ["it still doesn't work", "всё равно не работает", "ainda não funciona", "还是不行"])
def test_complaints(text: str) -> None:
    assert is_complaint(text)


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("fix the crash in login", "fix"),
        ("исправь ошибку в логине", "fix"),
        ("corrija o erro", "fix"),
        ("修复这个错误", "fix"),
        ("explain how the cache works", "understand"),
        ("объясни как работает кэш", "understand"),
        ("como funciona o cache?", "understand"),
        ("解释一下缓存", "understand"),
        ("deploy to staging", "operate"),
        ("разверни на сервере", "operate"),
        ("analyze the sales dataset", "analyze"),
        ("分析这些数据", "analyze"),
        ("update the README docs", "write"),
        ("design the architecture and roadmap", "plan"),
    ],
)
def test_intent_vocabulary(text: str, mode: str) -> None:
    found = intents(text)
    assert found[mode] >= 1
    assert found[mode] == max(found.values())


def test_clean_prompt_keeps_arguments_and_drops_injected_text() -> None:
    wrapped = (
        "<command-message>orchestrator is running…</command-message> <command-name>/orchestrator"
        "</command-name> <command-args>create TODO app by Next.js</command-args>"
    )
    assert clean_prompt(wrapped) == "create TODO app by Next.js"
    assert clean_prompt("<local-command-stdout></local-command-stdout>") == ""
    assert clean_prompt("This session is being continued from a previous conversation ...") == ""
    assert clean_prompt("<task-notification> <task-id>1</task-id> </task-notification>") == ""
    assert clean_prompt("<bash-input>ls</bash-input><bash-stdout>a</bash-stdout>") == ""
    assert clean_prompt("fix the bug") == "fix the bug"


def test_precision_and_verification() -> None:
    vague, exact = (
        "make it better",
        (
            "In src/api/reports.py make `export_csv` stream rows via `csv.writer`, "
            "see https://example.com/issue/1 and keep the header order unchanged"
        ),
    )
    assert precision(vague) == 0
    assert precision(exact) >= 3
    assert asks_verification("run the tests and make sure lint passes")
    assert asks_verification("проверь, что тесты проходят")
    assert not asks_verification("add a button")
