"""What a tool call says about the work: file kinds touched and command kinds run.

Pure and cheap: called once per tool call by the sessionizer, so the classifier can read
counts over the whole session even when the text evidence was truncated.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

EDIT_TOOLS = frozenset({"edit", "multiedit", "write", "notebookedit", "apply_patch", "str_replace_editor",
                        "create", "str_replace", "write_file", "edit_file", "replace"})
SHELL_TOOLS = frozenset({"bash", "shell", "exec_command", "local_shell", "run_shell_command", "powershell",
                         "container.exec", "run_in_terminal", "terminal"})

_TEST_FILE = re.compile(r"(^|/)(tests?|spec|__tests__)/|(_test|\.test|\.spec|_spec)\.[a-z]+$|(^|/)test_[^/]+$")
_DOC_EXT = (".md", ".mdx", ".rst", ".txt", ".adoc", ".tex", ".pptx", ".docx", ".pdf", ".html")
_CONFIG_EXT = (".yml", ".yaml", ".toml", ".ini", ".cfg", ".conf", ".env", ".json", ".tf", ".hcl", ".lock",
               "dockerfile", "makefile", ".properties", ".xml", ".gradle")
_DATA_EXT = (".csv", ".tsv", ".parquet", ".xlsx", ".xls", ".sql", ".db", ".sqlite", ".jsonl", ".arrow", ".feather")
_CODE_EXT = (".py", ".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".go", ".rs", ".java", ".kt", ".rb", ".php",
             ".c", ".h", ".cc", ".cpp", ".hpp", ".cs", ".swift", ".m", ".scala", ".ex", ".exs", ".erl", ".hs",
             ".lua", ".r", ".jl", ".dart", ".vue", ".svelte", ".sh", ".bash", ".zsh", ".ps1", ".css", ".scss",
             ".sol", ".zig", ".nim", ".clj", ".ml", ".fs", ".elm", ".heex", ".eex")


@lru_cache(maxsize=8192)  # pure and called per tool call; paths and commands repeat within a session
def file_kind(path: str) -> str:
    """code, test, docs, config, data, notebook or other, from the path alone."""
    p = path.strip().lower()
    if not p:
        return "other"
    if p.endswith(".ipynb"):
        return "notebook"
    if _TEST_FILE.search(p):
        return "test"
    if p.endswith(_DOC_EXT) or "/docs/" in p:
        return "docs"
    if p.endswith(_DATA_EXT):
        return "data"
    name = p.rsplit("/", 1)[-1]
    if p.endswith(_CONFIG_EXT) or name.startswith(".") or name in ("dockerfile", "makefile", "procfile"):
        return "config"
    if p.endswith(_CODE_EXT):
        return "code"
    return "other"


_CMD_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("test", re.compile(r"\b(pytest|py\.test|unittest|nose2|tox|jest|vitest|mocha|ava|karma|playwright test|cypress"
                        r"|go test|cargo test|cargo nextest|mix test|rspec|phpunit|ctest|gradle(w)? test|mvn( -\S+)* "
                        r"test|dotnet test|(npm|pnpm|yarn|bun)( run)? test|make (check|test)|swift test)\b")),
    ("git", re.compile(r"\b(git|gh)\s")),
    ("deploy", re.compile(r"\b(kubectl|helm|terraform|ansible|fly deploy|vercel|netlify|heroku|gcloud|aws|az |"
                          r"systemctl|serverless|pulumi|wrangler)\b")),
    ("container", re.compile(r"\b(docker|podman|docker-compose|compose)\b")),
    ("install", re.compile(r"\b(pip|uv|poetry|npm|pnpm|yarn|bun|cargo|go|brew|apt|apt-get|gem|mix)\s+"
                           r"(install|add|sync|get|i)\b")),
    ("build", re.compile(r"\b(make|cmake|cargo build|go build|tsc|webpack|vite build|(npm|pnpm|yarn) run build|"
                         r"mvn|gradle|mix compile|dotnet build)\b")),
    ("lint", re.compile(r"\b(ruff|flake8|pylint|mypy|eslint|prettier|black|biome|clippy|golangci|shellcheck|"
                        r"actionlint|typecheck|tsc --noEmit)\b")),
    ("data", re.compile(r"\b(psql|sqlite3|duckdb|mysql|jupyter|pandas|jq|awk|csvkit|bq )\b")),
    ("run", re.compile(r"\b(python3?|node|npx|deno|ruby|java|go run|cargo run|mix phx\.server|iex|uvicorn|"
                       r"flask|rails|(npm|pnpm|yarn) (run )?(dev|start)|curl|wget)\b")),
    ("search", re.compile(r"^\s*(ls|cat|head|tail|grep|rg|find|tree|wc|sed -n|less|pwd|which)\b")),
)


@lru_cache(maxsize=8192)
def command_kind(command: str) -> str:
    """The first matching kind of a shell command: test, git, deploy, container, install, build, ..."""
    for kind, pattern in _CMD_PATTERNS:
        if pattern.search(command):
            return kind
    return "other"


def tool_target(name: str, tool_input: dict[str, Any]) -> tuple[str, str]:
    """(command, file path) named by a tool call's input; empty strings where there is none."""
    command = ""
    path = ""
    for key in ("command", "cmd", "script"):
        value = tool_input.get(key)
        if isinstance(value, str):
            command = value
            break
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            command = " ".join(value)
            break
    for key in ("file_path", "path", "notebook_path", "filename", "target_file"):
        value = tool_input.get(key)
        if isinstance(value, str):
            path = value
            break
    if not path and name.lower() == "apply_patch":
        patch = _patch_text(tool_input)
        found = _PATCH_FILE.search(patch)
        path = found.group(2).strip() if found else ""
    return command, path


# Codex's apply_patch format: "*** Update File: path" headers, then +/- lines.
_PATCH_FILE = re.compile(r"^\*\*\* (Update|Add|Delete) File: (.+)$", re.MULTILINE)


def _patch_text(tool_input: dict[str, Any]) -> str:
    for key in ("input", "patch"):
        value = tool_input.get(key)
        if isinstance(value, str):
            return value
    return ""


def _patch_lines(patch: str) -> tuple[int, int]:
    added = removed = 0
    for line in patch.splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed


def changed_lines(name: str, tool_input: dict[str, Any]) -> tuple[int, int]:
    """Lines added and removed by an edit or write tool call, from its input."""
    lname = name.lower()

    def count(text: Any) -> int:
        return text.count("\n") + 1 if isinstance(text, str) and text else 0

    if lname in ("write", "create", "write_file"):
        return count(tool_input.get("content") or tool_input.get("file_text")), 0
    if lname in ("edit", "str_replace", "replace", "edit_file", "str_replace_editor"):
        new = tool_input.get("new_string", tool_input.get("new_str"))
        old = tool_input.get("old_string", tool_input.get("old_str"))
        if new is None and old is None and isinstance(tool_input.get("file_text"), str):
            return count(tool_input["file_text"]), 0  # a create through the editor tool
        return count(new), count(old)
    if lname == "apply_patch":
        return _patch_lines(_patch_text(tool_input))
    if lname == "multiedit":
        added = removed = 0
        for edit in tool_input.get("edits") or []:
            if isinstance(edit, dict):
                added += count(edit.get("new_string"))
                removed += count(edit.get("old_string"))
        return added, removed
    return 0, 0
