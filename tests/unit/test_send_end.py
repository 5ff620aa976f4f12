"""`sessionscope send-end`: the event it sends, the hook's stdin, and failing fast with a reason."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from models.decode import decode_message
from models.events import SessionEnd
from streams import cli
from streams.broker import free_port

HOOK = {"session_id": "5f0c1a7e-1111", "transcript_path": "/home/ada/.claude/projects/-home-ada-shop/5f0c1a7e.jsonl",
        "cwd": "/home/ada/shop-api", "hook_event_name": "SessionEnd", "reason": "logout"}  # fmt: skip


class FakeProducer:
    sent: ClassVar[list[tuple[str, bytes, bytes]]] = []

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs

    async def start(self) -> None:
        pass

    async def send_and_wait(self, topic: str, value: bytes, key: bytes) -> None:
        FakeProducer.sent.append((topic, value, key))

    async def stop(self) -> None:
        pass


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, bytes, bytes]]]:
    FakeProducer.sent = []
    monkeypatch.setattr("aiokafka.AIOKafkaProducer", FakeProducer)
    monkeypatch.setenv("SESSIONSCOPE_TOPIC_EVENTS", "events-under-test")
    cli_settings_cache_clear()
    yield FakeProducer.sent
    cli_settings_cache_clear()


def cli_settings_cache_clear() -> None:
    from streams.settings import get_settings

    get_settings.cache_clear()


def the_event(sent: list[tuple[str, bytes, bytes]]) -> SessionEnd:
    [(topic, value, key)] = sent
    assert topic == "events-under-test"
    decoded = decode_message(value, now=time.time())
    [event] = decoded.events
    assert not decoded.rejections and isinstance(event, SessionEnd)
    assert key == event.session_id.encode()  # keyed like every producer: same partition as the session
    return event


def test_session_id_and_reason_send_one_stable_end_event(sent: list) -> None:
    before = time.time()
    assert cli.main(["send-end", "--session-id", "s-42", "--reason", "clear"]) == 0
    event = the_event(sent)
    assert (event.session_id, event.event_id, event.reason, event.agent) == ("s-42", "s-42:session_end", "clear",
                                                                             "claude_code")  # fmt: skip
    assert before <= event.ts <= time.time()


def test_from_hook_reads_the_hook_json_on_stdin(sent: list, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(HOOK)))
    assert cli.main(["send-end", "--from-hook"]) == 0
    event = the_event(sent)
    assert (event.session_id, event.event_id, event.reason) == ("5f0c1a7e-1111", "5f0c1a7e-1111:session_end", "logout")
    assert event.project == "shop-api"  # from cwd, like transcripts


def test_from_hook_defaults_and_command_line_precedence(sent: list, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"session_id": "s-7"})))
    assert cli.main(["send-end", "--from-hook", "--agent", "codex"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(HOOK)))
    assert cli.main(["send-end", "--from-hook", "--session-id", "s-8", "--reason", "manual"]) == 0
    first = the_event(sent[:1])
    assert (first.reason, first.agent, first.project) == ("other", "codex", None)
    second = the_event(sent[1:])
    assert (second.session_id, second.reason) == ("s-8", "manual")


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["send-end"], "", "give --session-id"),
        (["send-end", "--session-id", "  "], "", "give --session-id"),
        (["send-end", "--from-hook"], "", "no session_id"),
        (["send-end", "--from-hook"], "{not json", "stdin is not JSON"),
        (["send-end", "--from-hook"], "[1]", "expected a JSON object"),
        (["send-end", "--from-hook"], '{"session_id": 7}', "no session_id"),
        (["send-end", "--session-id", "x" * 250], "", "session_id"),  # too long for the schema
    ],
)
def test_bad_input_exits_2_with_a_reason_and_sends_nothing(
    sent: list, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str,
    message: str,
) -> None:  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err and sent == []


def test_unreachable_broker_fails_fast_with_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    port = free_port()  # nothing listens there
    assert cli.main(["send-end", "--session-id", "s-1", "--broker", f"127.0.0.1:{port}", "--timeout", "3"]) == 1
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert "could not send session_end for s-1" in err and "SESSIONSCOPE_BROKER" in err
