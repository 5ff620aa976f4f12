"""The session rendering read by a model classifier."""

from __future__ import annotations

from models import events
from models.classify.render import evidence_lines, render_session
from models.session import apply, new_session

T0 = 1_760_000_000.0


def test_render_has_telemetry_counts_and_evidence_in_time_order() -> None:
    s = new_session("s")
    # applied out of order: the rendering follows event time
    apply(s, events.AssistantText(event_id="3", session_id="s", ts=T0 + 70, type="assistant_text", text="Done."))
    apply(s, events.Prompt(event_id="1", session_id="s", ts=T0, type="prompt", text="Add CSV export", project="/p"))
    apply(s, events.ToolCall(event_id="2", session_id="s", ts=T0 + 5, type="tool_call", call_id="c", name="Bash",
                             input={"command": "pytest -q"}))  # fmt: skip
    text = render_session(s)
    assert "turns=1" in text and "actions=1" in text and "tools called: Bash=1" in text
    assert "shell commands by kind: test=1" in text
    body = text.split("<transcript>\n")[1]
    assert body.index("[+00:00] USER: Add CSV export") < body.index("[+00:05] TOOL: Bash: pytest -q")
    assert body.index("TOOL: Bash") < body.index("[+01:10] AGENT: Done.")


def test_secrets_are_redacted_in_evidence_and_telemetry() -> None:
    s = new_session("s")
    text = "token ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab mail me: alice@corp.com"
    apply(s, events.Prompt(event_id="1", session_id="s", ts=T0, type="prompt", project="/Users/alice/p", text=text))
    text = render_session(s)
    assert "ghp_" not in text and "alice" not in text and "[EMAIL]" in text


def test_turn_and_session_budgets_hold_after_redaction() -> None:
    items = []
    for t in range(40):
        items.append((T0 + t * 100, "prompt", f"turn{t} " + "x@y.io " * 1500))  # redaction makes text longer
        items += [(T0 + t * 100 + k, "assistant", f"reply{t} " * 300) for k in range(1, 6)]
    lines = evidence_lines(items, T0)
    assert len("\n".join(lines)) <= 25_000
    turn_sizes: list[int] = []
    for line in lines:
        if "] USER: " in line:
            turn_sizes.append(0)
        if turn_sizes:
            turn_sizes[-1] += len(line)
    assert max(turn_sizes) <= 5_000
    assert any("omitted" in x for x in lines) and "turn0" in lines[0] and any("turn39" in x for x in lines)


def test_small_session_is_not_cut() -> None:
    items = [(T0, "prompt", "fix it"), (T0 + 1, "tool", "Read: a.py"), (T0 + 2, "assistant", "fixed")]
    expected = ["[+00:00] USER: fix it", "[+00:01] TOOL: Read: a.py", "[+00:02] AGENT: fixed"]
    assert evidence_lines(items, T0) == expected
