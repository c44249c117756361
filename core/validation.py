"""Check fine-tuning JSONL against the service's data rules, line by line and per file.

Every rule has a stable snake_case `code` and a fixed severity (see `RULES`).
Issues point at the 1-based physical line and the field inside it
(`messages[2].weight`), and their message says how to fix the problem.

The rules follow the data rules of OpenAI and Azure OpenAI fine-tuning: the chat
(SFT) and preference (DPO) formats, per-message keys and roles, tool calls,
images, and the service limits (messages, tools, file size, example count).
`validate_dataset` streams the rows once, so it runs in constant memory apart
from the issues it finds and one 16-byte hash per example (exact duplicates).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from ftui.core.jsonl import Record, RecordKind

if TYPE_CHECKING:
    from ftui.core.dataset import Dataset

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_IMAGES_PER_EXAMPLE",
    "MAX_MESSAGES",
    "MAX_TOOLS",
    "MIN_EXAMPLES",
    "PORTAL_FILE_BYTES",
    "RULES",
    "Issue",
    "Rule",
    "Severity",
    "ValidationReport",
    "validate_dataset",
    "validate_record",
]

MIN_EXAMPLES = 10
"""Fewest examples a training file may have (OpenAI and Azure)."""
MAX_MESSAGES = 2048
"""Most messages one chat request (hence one example) may hold (Azure quota)."""
MAX_TOOLS = 128
"""Most tools/functions one example may declare."""
MAX_IMAGES_PER_EXAMPLE = 64
"""Most images one vision example may hold."""
MAX_FILE_BYTES = 512 * 1024 * 1024
"""Largest file the Files API accepts in one upload (OpenAI and Azure)."""
PORTAL_FILE_BYTES = 200 * 1024 * 1024
"""Largest file the Azure AI Foundry portal uploads."""

ROLES = ("system", "developer", "user", "assistant", "tool", "function")
MESSAGE_KEYS = (
    "role",
    "content",
    "name",
    "weight",
    "tool_calls",
    "tool_call_id",
    "function_call",
    "refusal",
)
_ROLE_ONLY_KEYS = {
    "tool_calls": ("assistant",),
    "function_call": ("assistant",),
    "refusal": ("assistant",),
    "tool_call_id": ("tool",),
}
_CHAT_FIELDS = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})
_PREFERENCE_FIELDS = frozenset({"input", "preferred_output", "non_preferred_output"})
_INPUT_FIELDS = frozenset({"messages", "tools", "parallel_tool_calls"})
_PART_TYPES = ("text", "image_url")
_IMAGE_DETAILS = ("low", "high", "auto")
_IMAGE_DATA_PREFIXES = tuple(
    f"data:image/{fmt};base64," for fmt in ("jpeg", "jpg", "png", "webp")
)
_PROGRESS_EVERY = 1000
_JSON_POSITION = re.compile(r"line 1 column (\d+) \(char \d+\)")


class Severity(StrEnum):
    """How much an issue matters."""

    ERROR = "error"
    """The service will reject the file (or the example)."""
    WARNING = "warning"
    """Accepted, but probably not what you want (or silently changed)."""
    INFO = "info"
    """Worth knowing; nothing to fix."""


@dataclass(frozen=True, slots=True)
class Rule:
    """A validation rule: its severity and what it checks.

    Attributes:
        code: Stable identifier used in issues and JSON output.
        severity: The severity of every issue with this code.
        summary: One line saying what the rule checks.
    """

    code: str
    severity: Severity
    summary: str


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO
RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        # whole line
        Rule("invalid_utf8", _E, "the line is not valid UTF-8"),
        Rule("invalid_json", _E, "the line is not valid JSON"),
        Rule("not_object", _E, "the line is JSON but not an object"),
        Rule("blank_line", _W, "the line is empty"),
        Rule("reinforcement_format", _E, "an RFT-style row, not a chat example"),
        Rule("completion_format", _E, "a legacy prompt/completion row"),
        Rule("unknown_format", _E, "an object of no fine-tuning format"),
        Rule("unrecognized_field", _I, "a top-level field the format does not define"),
        # chat (SFT) example
        Rule("missing_messages", _E, "no `messages` field"),
        Rule("invalid_messages", _E, "`messages` is not a list"),
        Rule("empty_messages", _E, "`messages` is an empty list"),
        Rule("too_many_messages", _E, f"more than {MAX_MESSAGES} messages"),
        Rule("missing_assistant_message", _E, "no assistant message"),
        Rule("nothing_to_train", _W, "every assistant turn has weight 0"),
        Rule("missing_system_message", _W, "no system (or developer) message"),
        Rule("missing_user_message", _W, "no user message"),
        Rule("too_many_images", _W, f"more than {MAX_IMAGES_PER_EXAMPLE} images"),
        # one message
        Rule("message_not_object", _E, "a message is not an object"),
        Rule("missing_role", _E, "a message has no role"),
        Rule("unrecognized_role", _E, "a role the service does not know"),
        Rule("unrecognized_key", _E, "a message key the service does not know"),
        Rule("key_not_allowed_for_role", _E, "a key used on the wrong role"),
        Rule("weight_not_allowed", _E, "`weight` on a non-assistant message"),
        Rule("invalid_weight", _E, "`weight` other than 0 or 1"),
        Rule("missing_content", _E, "a message without content"),
        Rule("empty_content", _W, "an assistant turn with empty content"),
        Rule("invalid_content_type", _E, "content neither a string nor a list"),
        Rule("invalid_content_part", _E, "a malformed content part"),
        Rule("unsupported_content_part", _E, "a content part not text/image_url"),
        Rule("image_in_assistant", _E, "an image in an assistant message"),
        Rule("image_not_allowed", _E, "an image in a system/developer/tool message"),
        Rule("invalid_image_url", _W, "an image URL that is not http(s) or data:"),
        Rule("unsupported_image_format", _W, "a data: image not JPEG/PNG/WEBP"),
        Rule("invalid_image_detail", _E, "image `detail` not low/high/auto"),
        Rule("invalid_name", _E, "`name` is not a string"),
        Rule("missing_name", _E, "a function message without `name`"),
        Rule("invalid_refusal", _E, "`refusal` is not a string"),
        Rule("invalid_tool_call", _E, "a malformed entry in `tool_calls`"),
        Rule("invalid_function_call", _E, "a malformed `function_call`"),
        Rule("invalid_tool_arguments", _E, "call arguments not a JSON string"),
        Rule("unknown_tool_name", _W, "a call to a function `tools` does not declare"),
        Rule("missing_tool_call_id", _E, "a tool message without `tool_call_id`"),
        Rule("unknown_tool_call_id", _E, "a tool result for no earlier call"),
        # top-level tools
        Rule("invalid_tools", _E, "`tools` is not a list of function tools"),
        Rule("invalid_functions", _E, "`functions` is not a list of functions"),
        Rule("deprecated_functions", _I, "`functions` is deprecated"),
        Rule("too_many_tools", _E, f"more than {MAX_TOOLS} tools/functions"),
        Rule("invalid_parallel_tool_calls", _E, "`parallel_tool_calls` not a boolean"),
        # preference (DPO) example
        Rule("dpo_missing_input", _E, "`input` missing or not an object"),
        Rule("dpo_missing_input_messages", _E, "`input.messages` missing or empty"),
        Rule("dpo_invalid_output", _E, "an output missing or not a non-empty list"),
        Rule("dpo_invalid_output_role", _E, "an output message not assistant/tool"),
        Rule("dpo_identical_outputs", _W, "preferred and non-preferred are equal"),
        # file
        Rule("too_few_examples", _E, f"fewer than {MIN_EXAMPLES} valid examples"),
        Rule("mixed_formats", _E, "chat and preference examples in one file"),
        Rule("file_too_large", _W, "the file is over 512 MB"),
        Rule("azure_portal_size_limit", _I, "the file is over 200 MB"),
        Rule("duplicate_example", _W, "an exact copy of an earlier example"),
        Rule("over_training_context", _W, "more tokens than the training context"),
    )
}
"""Every rule by code. A code's severity never changes between issues."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a dataset.

    Attributes:
        line: 1-based physical line in the file; `None` for file-level issues
            and rows added in the editor.
        severity: Error, warning or info.
        code: The rule's stable code (a key of `RULES`).
        path: Field inside the line, e.g. `messages[2].weight`; "" for the
            whole line or file.
        message: What is wrong and how to fix it, in plain English.
        row_id: The dataset row; `None` for file-level issues.
        message_index: Which message `path` points into, when it does.
    """

    line: int | None
    severity: Severity
    code: str
    path: str
    message: str
    row_id: int | None = None
    message_index: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The issue as in `ftui validate --json`."""
        return {
            "line": self.line,
            "severity": str(self.severity),
            "code": self.code,
            "path": self.path,
            "message": self.message,
        }


@dataclass(slots=True)
class ValidationReport:
    """The result of validating a dataset.

    Attributes:
        issues: File-level issues first, then row issues in dataset order.
        format: "chat", "preference", "mixed", "reinforcement", "completion",
            "unknown", "invalid" (no line parses) or "empty".
        lines: Rows checked (physical lines for an unedited file).
        examples: Rows that are valid examples (chat or preference, no errors).
        errors: Number of error issues.
        warnings: Number of warning issues.
        infos: Number of info issues.
        by_row: Issues of each row id that has any.
        kinds: How many rows of each `RecordKind`.
        cancelled: True when `should_stop` ended the run early (counts partial).
    """

    issues: list[Issue] = field(default_factory=list)
    format: str = "empty"
    lines: int = 0
    examples: int = 0
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    by_row: dict[int, list[Issue]] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return self.errors == 0

    def to_json(self, file: str | Path) -> dict[str, Any]:
        """The object `ftui validate --json` prints.

        Args:
            file: The file name to report.

        Returns:
            `{"file", "format", "lines", "examples", "errors", "warnings", "issues"}`.
        """
        return {
            "file": str(file),
            "format": self.format,
            "lines": self.lines,
            "examples": self.examples,
            "errors": self.errors,
            "warnings": self.warnings,
            "issues": [issue.to_json() for issue in self.issues],
        }


# ---------------------------------------------------------------------- helpers
def _suggest(word: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{match[0]}"?)' if match else ""


def _show(value: Any, limit: int = 40) -> str:
    """A short JSON rendering of a value for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _is_json_text(text: str) -> bool:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        try:  # numbers beyond 64 bits are valid JSON that orjson refuses
            json.loads(text)
        except ValueError:
            return False
    return True


def _canonical(data: Any) -> bytes:
    """Key-order-independent bytes of a JSON value (for equality checks)."""
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # integers beyond 64 bits
        return json.dumps(
            data, sort_keys=True, ensure_ascii=False, separators=(",", ":")
        ).encode()


@dataclass(slots=True)
class _MessageStats:
    roles: set[str] = field(default_factory=set)
    assistants: int = 0
    trained: int = 0
    images: int = 0
    unknown_roles: int = 0


class _Checker:
    """Collects the issues of one record."""

    __slots__ = ("issues", "line", "row_id", "tool_names")

    def __init__(self, line: int | None, row_id: int | None) -> None:
        self.line = line
        self.row_id = row_id
        self.issues: list[Issue] = []
        self.tool_names: set[str] | None = None

    def add(
        self, code: str, path: str, message: str, message_index: int | None = None
    ) -> None:
        rule = RULES[code]
        self.issues.append(
            Issue(
                self.line,
                rule.severity,
                code,
                path,
                message,
                self.row_id,
                message_index,
            )
        )

    # ------------------------------------------------------------ top level
    def tools(self, data: dict[str, Any], prefix: str) -> None:
        """Check `tools`, `functions` and `parallel_tool_calls`."""
        count = 0
        names: set[str] = set()
        if "tools" in data:
            tools = data["tools"]
            path = f"{prefix}tools"
            if not isinstance(tools, list):
                self.add(
                    "invalid_tools",
                    path,
                    f"`tools` is {_type_name(tools)}; it must be a list of "
                    '{"type": "function", "function": {"name": ..., "parameters": '
                    "{...}}} objects",
                )
            else:
                count += len(tools)
                for i, tool in enumerate(tools):
                    name = self._tool(tool, f"{path}[{i}]")
                    if name:
                        names.add(name)
        if "functions" in data:
            functions = data["functions"]
            path = f"{prefix}functions"
            self.add(
                "deprecated_functions",
                path,
                "`functions` is deprecated; the service still accepts it, but new "
                'data should declare them as `tools` ({"type": "function", '
                '"function": {...}})',
            )
            if not isinstance(functions, list):
                self.add(
                    "invalid_functions",
                    path,
                    f"`functions` is {_type_name(functions)}; it must be a list of "
                    '{"name": ..., "parameters": {...}} objects',
                )
            else:
                count += len(functions)
                for i, function in enumerate(functions):
                    name = self._function(function, f"{path}[{i}]", "invalid_functions")
                    if name:
                        names.add(name)
        if count > MAX_TOOLS:
            self.add(
                "too_many_tools",
                f"{prefix}tools" if "tools" in data else f"{prefix}functions",
                f"{count} tools/functions declared; the service allows at most "
                f"{MAX_TOOLS} per example: drop the ones this example does not use",
            )
        if names:
            self.tool_names = names
        if "parallel_tool_calls" in data and not isinstance(
            data["parallel_tool_calls"], bool
        ):
            self.add(
                "invalid_parallel_tool_calls",
                f"{prefix}parallel_tool_calls",
                f"`parallel_tool_calls` is {_show(data['parallel_tool_calls'])}; it "
                "must be true or false (JSON booleans, not strings)",
            )

    def _tool(self, tool: Any, path: str) -> str | None:
        if not isinstance(tool, dict):
            self.add(
                "invalid_tools",
                path,
                f"this tool is {_type_name(tool)}; each tool must be an object "
                '{"type": "function", "function": {"name": ...}}',
            )
            return None
        if tool.get("type") != "function":
            self.add(
                "invalid_tools",
                f"{path}.type",
                f'tool type is {_show(tool.get("type"))}; it must be "function"',
            )
        if "function" not in tool:
            self.add(
                "invalid_tools",
                f"{path}.function",
                'the tool has no "function" object; add {"name": ..., "parameters": '
                "{...}}",
            )
            return None
        return self._function(tool["function"], f"{path}.function", "invalid_tools")

    def _function(self, function: Any, path: str, code: str) -> str | None:
        if not isinstance(function, dict):
            self.add(
                code,
                path,
                f"the function is {_type_name(function)}; it must be an object with "
                'a "name" and a JSON-schema "parameters" object',
            )
            return None
        name = function.get("name")
        if not isinstance(name, str) or not name:
            self.add(
                code,
                f"{path}.name",
                "the function has no name; give it a non-empty string `name`",
            )
            name = None
        if "parameters" in function and not isinstance(function["parameters"], dict):
            self.add(
                code,
                f"{path}.parameters",
                "`parameters` must be a JSON-schema object such as "
                '{"type": "object", "properties": {...}}',
            )
        return name

    # ------------------------------------------------------------- messages
    def messages(self, messages: list[Any], prefix: str, stats: _MessageStats) -> None:
        """Check every message of a list; `prefix` is its path ("messages")."""
        call_ids: set[str] = set()
        for i, message in enumerate(messages):
            path = f"{prefix}[{i}]"
            if not isinstance(message, dict):
                stats.unknown_roles += 1
                self.add(
                    "message_not_object",
                    path,
                    f"message {i} is {_type_name(message)}; each message must be an "
                    'object like {"role": "user", "content": "..."}',
                    i,
                )
                continue
            self._message(message, path, i, stats, call_ids)

    def _message(
        self,
        message: dict[str, Any],
        path: str,
        i: int,
        stats: _MessageStats,
        call_ids: set[str],
    ) -> None:
        role = message.get("role")
        if "role" not in message:
            self.add(
                "missing_role",
                f"{path}.role",
                'the message has no "role"; add one of ' + ", ".join(ROLES),
                i,
            )
            role = None
            stats.unknown_roles += 1
        elif not isinstance(role, str) or role not in ROLES:
            hint = _suggest(role, ROLES) if isinstance(role, str) else ""
            self.add(
                "unrecognized_role",
                f"{path}.role",
                f"role {_show(role)} is not recognized{hint}; use one of "
                + ", ".join(ROLES),
                i,
            )
            role = None
            stats.unknown_roles += 1
        else:
            stats.roles.add(role)

        for key in message:
            if key not in MESSAGE_KEYS:
                self.add(
                    "unrecognized_key",
                    f"{path}.{key}",
                    f"unrecognized key {_show(key)}{_suggest(key, MESSAGE_KEYS)}; the "
                    "service rejects unknown message keys: remove or rename it "
                    "(allowed: " + ", ".join(MESSAGE_KEYS) + ")",
                    i,
                )
            elif role is not None and key in _ROLE_ONLY_KEYS:
                owners = _ROLE_ONLY_KEYS[key]
                if role not in owners:
                    self.add(
                        "key_not_allowed_for_role",
                        f"{path}.{key}",
                        f'"{key}" is only allowed on {" / ".join(owners)} messages, '
                        f"not on a {role} message: remove it or fix the role",
                        i,
                    )

        if "weight" in message:
            self._weight(message["weight"], role, path, i, stats)
        elif role == "assistant":
            stats.assistants += 1
            stats.trained += 1

        if "name" in message and not isinstance(message["name"], str):
            self.add(
                "invalid_name",
                f"{path}.name",
                f"`name` is {_type_name(message['name'])}; it must be a string",
                i,
            )
        if role == "function" and "name" not in message:
            self.add(
                "missing_name",
                f"{path}.name",
                'a "function" message needs the "name" of the function it answers',
                i,
            )
        if "refusal" in message and not (
            message["refusal"] is None or isinstance(message["refusal"], str)
        ):
            self.add(
                "invalid_refusal",
                f"{path}.refusal",
                f"`refusal` is {_type_name(message['refusal'])}; it must be a string "
                "(or null)",
                i,
            )

        if role == "assistant":
            if "tool_calls" in message:
                self._tool_calls(message["tool_calls"], path, i, call_ids)
            if message.get("function_call") is not None:
                self._call_function(
                    message["function_call"], f"{path}.function_call", i
                )
        # a malformed call is reported on its own; it still stands in for content
        has_calls = role == "assistant" and bool(
            message.get("tool_calls") or message.get("function_call")
        )
        self._content(message, role, path, i, stats, has_calls)

        if role == "tool":
            call_id = message.get("tool_call_id")
            if "tool_call_id" not in message:
                self.add(
                    "missing_tool_call_id",
                    f"{path}.tool_call_id",
                    'a "tool" message needs the "tool_call_id" of the assistant tool '
                    "call it answers",
                    i,
                )
            elif not isinstance(call_id, str) or call_id not in call_ids:
                known = ", ".join(_show(c) for c in sorted(call_ids)) or "none"
                self.add(
                    "unknown_tool_call_id",
                    f"{path}.tool_call_id",
                    f"tool_call_id {_show(call_id)} matches no earlier assistant "
                    f"tool call (ids so far: {known}); make it equal to the `id` of "
                    "the call it answers",
                    i,
                )

    def _weight(
        self, weight: Any, role: str | None, path: str, i: int, stats: _MessageStats
    ) -> None:
        if role is not None and role != "assistant":
            self.add(
                "weight_not_allowed",
                f"{path}.weight",
                f'"weight" is only allowed on assistant messages, not on a {role} '
                "message: remove it",
                i,
            )
            return
        valid = type(weight) is int and weight in (0, 1)
        if not valid:
            self.add(
                "invalid_weight",
                f"{path}.weight",
                f"weight is {_show(weight)}; it must be the integer 0 (do not train "
                "on this turn) or 1 (train on it)",
                i,
            )
        if role == "assistant":
            stats.assistants += 1
            if not (valid and weight == 0):
                stats.trained += 1

    def _tool_calls(self, calls: Any, path: str, i: int, call_ids: set[str]) -> None:
        if not isinstance(calls, list):
            self.add(
                "invalid_tool_call",
                f"{path}.tool_calls",
                f"`tool_calls` is {_type_name(calls)}; it must be a list of "
                '{"id": ..., "type": "function", "function": {"name": ..., '
                '"arguments": "{...}"}} objects',
                i,
            )
            return
        for j, call in enumerate(calls):
            call_path = f"{path}.tool_calls[{j}]"
            if not isinstance(call, dict):
                self.add(
                    "invalid_tool_call",
                    call_path,
                    f"this tool call is {_type_name(call)}; it must be an object "
                    '{"id": ..., "type": "function", "function": {...}}',
                    i,
                )
                continue
            call_id = call.get("id")
            if isinstance(call_id, str) and call_id:
                call_ids.add(call_id)
            else:
                self.add(
                    "invalid_tool_call",
                    f"{call_path}.id",
                    "the tool call has no string `id`; give it one (for example "
                    '"call_1") and use the same value as the tool result\'s '
                    "tool_call_id",
                    i,
                )
            if call.get("type") != "function":
                self.add(
                    "invalid_tool_call",
                    f"{call_path}.type",
                    f"tool call type is {_show(call.get('type'))}; it must be "
                    '"function"',
                    i,
                )
            self._call_function(call.get("function"), f"{call_path}.function", i)

    def _call_function(self, function: Any, path: str, i: int) -> None:
        code = (
            "invalid_function_call"
            if path.endswith("function_call")
            else "invalid_tool_call"
        )
        if not isinstance(function, dict):
            self.add(
                code,
                path,
                f"the call's function is {_type_name(function)}; it must be an "
                'object {"name": ..., "arguments": "<JSON text>"}',
                i,
            )
            return
        name = function.get("name")
        if not isinstance(name, str) or not name:
            self.add(
                code,
                f"{path}.name",
                "the call names no function; set `name` to the function called",
                i,
            )
        elif self.tool_names is not None and name not in self.tool_names:
            declared = ", ".join(_show(t) for t in sorted(self.tool_names))
            self.add(
                "unknown_tool_name",
                f"{path}.name",
                f"{_show(name)} is not among the declared tools ({declared}); "
                "declare it in `tools` or fix the name",
                i,
            )
        arguments = function.get("arguments")
        if not isinstance(arguments, str):
            hint = (
                "encode the object as a JSON string, e.g. "
                '"arguments": "{\\"city\\": \\"Paris\\"}"'
                if isinstance(arguments, dict | list)
                else 'add "arguments" as a string holding JSON, e.g. "{}"'
            )
            self.add(
                "invalid_tool_arguments",
                f"{path}.arguments",
                f"`arguments` is {_type_name(arguments)}; it must be a string "
                f"holding JSON: {hint}",
                i,
            )
        elif not _is_json_text(arguments):
            self.add(
                "invalid_tool_arguments",
                f"{path}.arguments",
                f"`arguments` {_show(arguments)} is not valid JSON; it must be a JSON "
                'text such as "{\\"city\\": \\"Paris\\"}"',
                i,
            )

    def _content(
        self,
        message: dict[str, Any],
        role: str | None,
        path: str,
        i: int,
        stats: _MessageStats,
        has_calls: bool,
    ) -> None:
        content = message.get("content")
        if content is None:
            if role == "assistant" and has_calls:
                return
            if role == "assistant":
                why = (
                    "an assistant message needs `content` (the answer to learn) or "
                    "`tool_calls`"
                )
            else:
                why = f"a {role or 'message'} message needs `content`"
            self.add("missing_content", f"{path}.content", why, i)
            return
        if isinstance(content, str):
            if role == "assistant" and not has_calls and not content.strip():
                self.add(
                    "empty_content",
                    f"{path}.content",
                    "the assistant answer is empty, so this turn teaches the model "
                    "to say nothing: write the answer or remove the turn",
                    i,
                )
            return
        if not isinstance(content, list):
            self.add(
                "invalid_content_type",
                f"{path}.content",
                f"content is {_type_name(content)}; it must be a string or a list "
                'of parts like {"type": "text", "text": "..."}',
                i,
            )
            return
        if not content and role == "assistant" and not has_calls:
            self.add(
                "empty_content",
                f"{path}.content",
                "the assistant answer is an empty list: add a text part or remove "
                "the turn",
                i,
            )
        for j, part in enumerate(content):
            self._part(part, role, f"{path}.content[{j}]", i, stats)

    def _part(
        self, part: Any, role: str | None, path: str, i: int, stats: _MessageStats
    ) -> None:
        if not isinstance(part, dict):
            self.add(
                "invalid_content_part",
                path,
                f"this content part is {_type_name(part)}; each part must be an "
                'object like {"type": "text", "text": "..."}',
                i,
            )
            return
        kind = part.get("type")
        if kind == "text":
            if not isinstance(part.get("text"), str):
                self.add(
                    "invalid_content_part",
                    f"{path}.text",
                    'a "text" part needs a string "text"',
                    i,
                )
            return
        if kind != "image_url":
            hint = _suggest(kind, _PART_TYPES) if isinstance(kind, str) else ""
            self.add(
                "unsupported_content_part",
                f"{path}.type",
                f"content part type {_show(kind)} is not supported{hint}; use "
                '"text" or "image_url"',
                i,
            )
            return
        stats.images += 1
        if role == "assistant":
            self.add(
                "image_in_assistant",
                path,
                "assistant messages cannot contain images; move the image to a user "
                "message",
                i,
            )
        elif role is not None and role != "user":
            self.add(
                "image_not_allowed",
                path,
                f"{role} messages cannot contain images; move the image to a user "
                "message",
                i,
            )
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, dict) else None
        if not isinstance(url, str):
            self.add(
                "invalid_content_part",
                f"{path}.image_url",
                'an "image_url" part needs "image_url": {"url": "https://..."} '
                "(or a data:image/...;base64 URL)",
                i,
            )
            return
        lowered = url[:32].lower()
        if lowered.startswith("data:"):
            if not lowered.startswith(_IMAGE_DATA_PREFIXES):
                self.add(
                    "unsupported_image_format",
                    f"{path}.image_url.url",
                    f"data URL {_show(url[:30])} is not a base64 JPEG, PNG or WEBP "
                    "image; the service skips other formats: convert the image",
                    i,
                )
        elif not lowered.startswith(("https://", "http://")):
            self.add(
                "invalid_image_url",
                f"{path}.image_url.url",
                f"image URL {_show(url)} is neither a public http(s) URL nor a "
                "data: URL; the service skips such images: upload it or embed it "
                "as base64",
                i,
            )
        detail = image.get("detail") if isinstance(image, dict) else None
        if detail is not None and detail not in _IMAGE_DETAILS:
            self.add(
                "invalid_image_detail",
                f"{path}.image_url.detail",
                f"detail {_show(detail)} is not one of low, high, auto",
                i,
            )

    # -------------------------------------------------------------- formats
    def chat(self, data: dict[str, Any]) -> None:
        """Check a supervised chat example."""
        self.tools(data, "")
        if "messages" not in data:
            self.add(
                "missing_messages",
                "messages",
                'the example has no "messages"; add the conversation as a list of '
                "messages",
            )
            return
        messages = data["messages"]
        if not isinstance(messages, list):
            self.add(
                "invalid_messages",
                "messages",
                f"`messages` is {_type_name(messages)}; it must be a list of "
                "message objects",
            )
            return
        if not messages:
            self.add(
                "empty_messages",
                "messages",
                "`messages` is empty; add at least a user message and an assistant "
                "answer",
            )
            return
        if len(messages) > MAX_MESSAGES:
            self.add(
                "too_many_messages",
                "messages",
                f"{len(messages)} messages; the service allows at most "
                f"{MAX_MESSAGES} per example: split the conversation",
            )
        stats = _MessageStats()
        self.messages(messages, "messages", stats)
        # with a role missing or misspelt, the fix may add the "missing" role:
        # report the role error alone
        certain = not stats.unknown_roles
        if certain and stats.assistants == 0:
            self.add(
                "missing_assistant_message",
                "messages",
                "no assistant message, so there is nothing to learn; add the answer "
                'as {"role": "assistant", "content": "..."}',
            )
        elif certain and stats.trained == 0:
            self.add(
                "nothing_to_train",
                "messages",
                'every assistant turn has "weight": 0, so this example trains '
                'nothing; set "weight": 1 on the turn(s) to learn from',
            )
        if certain and not stats.roles & {"system", "developer"}:
            self.add(
                "missing_system_message",
                "messages",
                "no system message: if the deployed model will be given a system "
                "prompt, add the same one here so training matches real use",
            )
        if certain and "user" not in stats.roles:
            self.add(
                "missing_user_message",
                "messages",
                "no user message; examples normally show what the user asked",
            )
        self._images(stats)
        self._extra_fields(data, _CHAT_FIELDS, "chat")

    def _images(self, stats: _MessageStats) -> None:
        if stats.images > MAX_IMAGES_PER_EXAMPLE:
            self.add(
                "too_many_images",
                "messages",
                f"{stats.images} images; the service allows at most "
                f"{MAX_IMAGES_PER_EXAMPLE} per example and skips the rest: "
                "split the example",
            )

    def _extra_fields(
        self, data: dict[str, Any], known: frozenset[str], what: str
    ) -> None:
        for key in data:
            if key not in known:
                self.add(
                    "unrecognized_field",
                    key,
                    f"{_show(key)} is not part of the {what} format; ftui keeps "
                    "it, but remove it before uploading if the service rejects it",
                )

    def preference(self, data: dict[str, Any]) -> None:
        """Check a DPO (preference) example."""
        source = data.get("input")
        stats = _MessageStats()
        if not isinstance(source, dict):
            self.add(
                "dpo_missing_input",
                "input",
                f"`input` is {_type_name(source) if 'input' in data else 'missing'}; "
                'a preference example needs "input": {"messages": [...]} with the '
                "prompt",
            )
        else:
            self.tools(source, "input.")
            messages = source.get("messages")
            if not isinstance(messages, list) or not messages:
                self.add(
                    "dpo_missing_input_messages",
                    "input.messages",
                    "`input.messages` is "
                    + (
                        "missing"
                        if "messages" not in source
                        else "an empty list"
                        if messages == []
                        else _type_name(messages)
                    )
                    + "; it must be a non-empty list of the prompt messages "
                    "(system, user, ...)",
                )
            else:
                self.messages(messages, "input.messages", stats)
                if len(messages) > MAX_MESSAGES:
                    self.add(
                        "too_many_messages",
                        "input.messages",
                        f"{len(messages)} messages; the service allows at most "
                        f"{MAX_MESSAGES}: shorten the prompt",
                    )
            self._extra_fields(source, _INPUT_FIELDS, "preference input")
        outputs = []
        for key in ("preferred_output", "non_preferred_output"):
            output = data.get(key)
            outputs.append(output)
            if not isinstance(output, list) or not output:
                state = _type_name(output) if key in data else "missing"
                if output == []:
                    state = "an empty list"
                self.add(
                    "dpo_invalid_output",
                    key,
                    f"`{key}` is {state}; it must be a list holding the assistant "
                    'answer, e.g. [{"role": "assistant", "content": "..."}]',
                )
                continue
            self.messages(output, key, stats)
            for j, message in enumerate(output):
                if isinstance(message, dict) and message.get("role") not in (
                    "assistant",
                    "tool",
                ):
                    self.add(
                        "dpo_invalid_output_role",
                        f"{key}[{j}].role",
                        f"role {_show(message.get('role'))} in `{key}`; outputs "
                        "must be assistant (or tool) messages",
                        j,
                    )
        self._images(stats)
        first, second = outputs
        if (
            isinstance(first, list)
            and first
            and isinstance(second, list)
            and _canonical(first) == _canonical(second)
        ):
            self.add(
                "dpo_identical_outputs",
                "non_preferred_output",
                "the preferred and non-preferred outputs are identical, so the "
                "pair teaches nothing: make the non-preferred answer the worse one",
            )
        self._extra_fields(data, _PREFERENCE_FIELDS, "preference")


def _keys(data: dict[str, Any], limit: int = 6) -> str:
    names = [_show(key) for key in list(data)[:limit]]
    more = ", ..." if len(data) > limit else ""
    return ", ".join(names) + more if names else "no fields"


def validate_record(record: Record, row_id: int | None = None) -> list[Issue]:
    """Check one line against the per-line rules (no tokens, no duplicates).

    Args:
        record: The line, as parsed by `ftui.core.jsonl.parse_line`.
        row_id: Its dataset row id, copied into the issues.

    Returns:
        The issues, in the order found (empty when the line is a clean example).
    """
    checker = _Checker(record.line, row_id)
    kind = record.kind
    data = record.data
    if record.error is not None:
        code = record.error.code if record.error.code in RULES else "invalid_json"
        message = record.error.message
        if code == "invalid_json":
            message = _JSON_POSITION.sub(r"at character \1", message) + (
                "; fix the JSON (the line may be cut off, or hold two objects) or "
                "delete the line"
            )
        checker.add(code, "", message)
    elif kind is RecordKind.BLANK:
        checker.add(
            "blank_line",
            "",
            "blank line; the service may reject empty lines in JSONL: delete it",
        )
    elif data is None:
        checker.add("invalid_json", "", "the line holds no JSON object")
    elif kind is RecordKind.CHAT or (
        kind is RecordKind.UNKNOWN and not data.keys().isdisjoint(_CHAT_FIELDS)
    ):
        checker.chat(data)
    elif kind is RecordKind.PREFERENCE or (
        kind is RecordKind.UNKNOWN and not data.keys().isdisjoint(_PREFERENCE_FIELDS)
    ):
        checker.preference(data)
    elif kind is RecordKind.REINFORCEMENT:
        extra = {key: None for key in data if key not in _CHAT_FIELDS}
        checker.add(
            "reinforcement_format",
            "",
            "this is a reinforcement fine-tuning (RFT) row: `messages` without an "
            f"assistant answer plus grader fields ({_keys(extra)}). RFT data only "
            "works for reasoning models with a grader; for chat fine-tuning add the "
            "assistant answer to `messages` and drop the extra fields",
        )
    elif kind is RecordKind.COMPLETION:
        checker.add(
            "completion_format",
            "",
            'this is a legacy {"prompt", "completion"} row (babbage-002 / '
            "davinci-002), not a chat example; convert it to "
            '{"messages": [{"role": "user", "content": <prompt>}, '
            '{"role": "assistant", "content": <completion>}]}',
        )
    else:
        checker.add(
            "unknown_format",
            "",
            f"this object ({_keys(data)}) is not a fine-tuning example: a chat "
            'example needs "messages", a preference example needs "input", '
            '"preferred_output" and "non_preferred_output"',
        )
    return checker.issues


# ------------------------------------------------------------------ dataset
def _format_name(kinds: Mapping[str, int]) -> str:
    chat = kinds.get(RecordKind.CHAT, 0)
    preference = kinds.get(RecordKind.PREFERENCE, 0)
    if chat and preference:
        return "mixed"
    if chat:
        return "chat"
    if preference:
        return "preference"
    for kind in (RecordKind.REINFORCEMENT, RecordKind.COMPLETION, RecordKind.UNKNOWN):
        if kinds.get(kind, 0):
            return str(kind)
    if kinds.get(RecordKind.INVALID, 0):
        return "invalid"
    return "empty"


def _where(line: int | None) -> str:
    return f"line {line}" if line is not None else "a new row"


def validate_dataset(
    dataset: Dataset,
    *,
    training_context: int | None = None,
    token_totals: Mapping[int, int] | None = None,
    file_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ValidationReport:
    """Check every row of a dataset and the file as a whole, in one pass.

    Rows are read one at a time and not kept; only issues and a 16-byte hash
    per example (for exact duplicates) stay in memory.

    Args:
        dataset: The rows to check, in order.
        training_context: The model's most tokens per training example.
        token_totals: Tokens per example keyed by row id; with
            `training_context`, longer examples get `over_training_context`.
        file_size: Size of the file in bytes (for the upload limits); by
            default the size of the file the dataset was read from.
        progress: Called with `(rows_done, rows_total)` now and then.
        should_stop: Polled now and then; when it returns True the run stops
            and the report has `cancelled=True`.

    Returns:
        The report.
    """
    report = ValidationReport()
    total = len(dataset)
    kinds: dict[str, int] = {}
    first_of_kind: dict[str, int | None] = {}
    seen: dict[bytes, int | None] = {}
    row_issues: list[Issue] = []
    examples = 0
    done = 0
    if progress is not None:
        progress(0, total)
    for row_id, record in dataset.items():
        if done % _PROGRESS_EVERY == 0 and done:
            if should_stop is not None and should_stop():
                report.cancelled = True
                break
            if progress is not None:
                progress(done, total)
        done += 1
        kind = record.kind
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind not in first_of_kind:
            first_of_kind[kind] = record.line
        issues = validate_record(record, row_id)
        data = record.data
        if data is not None:
            if kind in (RecordKind.CHAT, RecordKind.PREFERENCE) and not any(
                issue.severity is Severity.ERROR for issue in issues
            ):
                examples += 1
            digest = hashlib.blake2b(_canonical(data), digest_size=16).digest()
            if digest in seen:
                first = seen[digest]
                issues.append(
                    Issue(
                        record.line,
                        Severity.WARNING,
                        "duplicate_example",
                        "",
                        f"exact duplicate of {_where(first)} (same content, maybe "
                        "different key order or spacing); duplicates train that "
                        "example twice as hard: delete this line unless intended",
                        row_id,
                    )
                )
            else:
                seen[digest] = record.line
            if token_totals is not None and training_context is not None:
                tokens = token_totals.get(row_id)
                if tokens is not None and tokens > training_context:
                    issues.append(
                        Issue(
                            record.line,
                            Severity.WARNING,
                            "over_training_context",
                            "",
                            f"{tokens:,} tokens, over the model's training context "
                            f"of {training_context:,}: the example will be truncated "
                            "(its end is cut off, so the final answer may not be "
                            "learned); shorten or split it",
                            row_id,
                        )
                    )
        if issues:
            report.by_row[row_id] = issues
            row_issues.extend(issues)
    if progress is not None and not report.cancelled:
        progress(done, total)

    file_issues: list[Issue] = []

    def file_issue(code: str, message: str) -> None:
        file_issues.append(Issue(None, RULES[code].severity, code, "", message))

    if not report.cancelled and examples < MIN_EXAMPLES:
        file_issue(
            "too_few_examples",
            f"only {examples} valid example{'s' if examples != 1 else ''}; "
            f"fine-tuning needs at least {MIN_EXAMPLES} (50-100 to see a clear "
            "improvement): fix the lines with errors or add examples",
        )
    if kinds.get(RecordKind.CHAT) and kinds.get(RecordKind.PREFERENCE):
        file_issue(
            "mixed_formats",
            f"the file mixes chat examples ({kinds[RecordKind.CHAT]}, first at "
            f"{_where(first_of_kind[RecordKind.CHAT])}) and preference (DPO) examples "
            f"({kinds[RecordKind.PREFERENCE]}, first at "
            f"{_where(first_of_kind[RecordKind.PREFERENCE])}); a training file must "
            "use one format: split it into two files",
        )
    if file_size is None and dataset.path is not None:
        file_size = dataset.source_size
    if file_size is not None and file_size > MAX_FILE_BYTES:
        file_issue(
            "file_too_large",
            f"the file is {file_size / 2**20:,.0f} MB; the Files API takes at most "
            "512 MB per upload: split it, or upload it with the Uploads API",
        )
    if file_size is not None and file_size > PORTAL_FILE_BYTES:
        file_issue(
            "azure_portal_size_limit",
            f"the file is {file_size / 2**20:,.0f} MB; the Azure AI Foundry portal "
            "uploads at most 200 MB (the API takes 512 MB)",
        )

    report.issues = file_issues + row_issues
    report.format = _format_name(kinds)
    report.lines = done
    report.examples = examples
    report.kinds = {str(kind): count for kind, count in kinds.items()}
    for issue in report.issues:
        if issue.severity is Severity.ERROR:
            report.errors += 1
        elif issue.severity is Severity.WARNING:
            report.warnings += 1
        else:
            report.infos += 1
    return report
