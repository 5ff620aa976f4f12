"""Redaction of secrets and personal data."""

from __future__ import annotations

import pytest

from models.redact import redact, redact_value

SECRETS = {
    "anthropic": "sk-ant-api03-AbCdEf0123456789_xyzXYZ-abcdefgh",
    "openai": "sk-proj-AbCdEf0123456789xyzXYZabcdef",
    "github": "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab",
    "github_pat": "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
    "aws": "AKIAIOSFODNN7EXAMPLE",
    "slack": "xoxb-123456789012-abcdefghijkl",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "google": "AIzaSyD-0123456789abcdefghijklmnopqrstu",
    "stripe": "sk_live_0123456789abcdefABCDEF",
    "hex64": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "base64": "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRkdISUpLTE1OT1A=",
}


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_known_secret_shapes_are_removed(name: str) -> None:
    out = redact(f"use {SECRETS[name]} now")
    assert SECRETS[name] not in out and "[REDACTED:" in out and out.startswith("use ") and out.endswith(" now")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("password=hunter22", "hunter22"),
        ('DB_PASSWORD: "s3cr3t!pw"', "s3cr3t!pw"),
        ('{"client_secret": "abc def ghi"}', "abc def ghi"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"),
        ('curl -H "Authorization: Bearer abcdefghijklmnop1234567890"', "abcdefghijklmnop1234567890"),
        ("Authorization: token abcdef0123456789", "abcdef0123456789"),
        ("postgres://admin:Pa55word@db.internal:5432/app", "Pa55word"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEA"),
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA",
            "b3BlbnNzaC1rZXktdjEAAAA",
        ),  # cut by truncation
    ],
)
def test_assignments_headers_and_key_blocks_are_removed(text: str, secret: str) -> None:
    assert secret not in redact(text)


def test_personal_data_is_removed() -> None:
    out = redact("mail alice.smith+x@example.co.uk; cd /Users/alice/app; ls /home/bob/x; C:\\Users\\carol\\doc")
    assert "alice.smith" not in out and "[EMAIL]" in out
    assert "/Users/[USER]/app" in out and "/home/[USER]/x" in out and "carol" not in out


@pytest.mark.parametrize(
    "text",
    [
        "max_tokens=4096 and tokens: 1234",
        'password = os.environ["DB_PASSWORD"]; token = get_token(); API_KEY="${KEY}"',
        "commit 3f786850e387550fdab836ed7e6dc881de23001b",  # a git object id grants nothing
        "image@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "src/components/AuthenticationProviderWrapper2/index.tsx",
        "test_user_can_reset_password_when_token_expired_2",
        "git clone git@github.com:org/repo.git",
        "the token refresh logic; the secret_key setting; author: Jane",
    ],
)
def test_ordinary_code_text_is_kept(text: str) -> None:
    assert redact(text) == text


def test_redaction_is_idempotent() -> None:
    once = redact(f"key {SECRETS['anthropic']} password=hunter22 mail a@b.io")
    assert redact(once) == once


def test_redact_value_walks_nested_structures() -> None:
    value = {"a": [SECRETS["github"], ("x@y.com", 3)], "password": "kept-key", "n": None}
    out = redact_value(value)
    assert out == {"a": ["[REDACTED:github_token]", ("[EMAIL]", 3)], "password": "kept-key", "n": None}
