import orjson

from models.events import EVENT_ADAPTER
from models.privacy import DROPPED, apply_payload_policy, apply_text_policy
from models.session import apply, new_session

SECRET = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


def test_text_policy():
    text = f"use token {SECRET} and mail bob@example.com"
    assert apply_text_policy(text, "keep") == text
    red = apply_text_policy(text, "redact")
    assert SECRET not in red and "bob@example.com" not in red and "use token" in red
    assert apply_text_policy(text, "drop") == DROPPED


def test_payload_policy_keeps_json_shape():
    raw = orjson.dumps({"event_id": "e1", "type": "prompt", "text": f"key {SECRET}",
                        "input": {"command": "echo hi"}})
    assert apply_payload_policy(raw, "keep") == raw
    red = orjson.loads(apply_payload_policy(raw, "redact"))
    assert red["event_id"] == "e1" and SECRET not in red["text"]
    dropped = orjson.loads(apply_payload_policy(raw, "drop"))
    assert dropped == {"event_id": "e1", "type": "prompt", "text": DROPPED, "input": {}}
    assert apply_payload_policy(f"not json {SECRET}".encode(), "redact").find(SECRET.encode()) == -1
    assert apply_payload_policy(b"not json", "drop") == DROPPED.encode()


def test_session_evidence_follows_the_policy():
    for policy, present in (("keep", True), ("redact", False), ("drop", False)):
        s = new_session("s", text_policy=policy)
        apply(s, EVENT_ADAPTER.validate_python({"event_id": "p", "session_id": "s", "ts": 1.8e9, "type": "prompt",
                                                "text": f"deploy with {SECRET}"}))
        blob = orjson.dumps(s.to_dict()).decode()
        assert (SECRET in blob) is present, policy
        assert s.count("turns") == 1
