"""What duplicate detection compares: canonical example keys and scope texts.

Two texts are derived from each parsed line:

* the *canonical key* (exact duplicates): the whole JSON object with every
  string's whitespace runs collapsed to one space and leading/trailing
  whitespace trimmed (optionally case-folded), serialized with sorted keys and
  hashed. Key order and formatting of the line therefore never matter.
* the *scope text* (near-duplicates): the conversation text the user chose to
  compare, whitespace-collapsed and case-folded, one turn per line. System and
  developer prompts are never part of it: a shared system prompt would make
  every pair of examples look alike.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable
from typing import Any, Literal

import orjson

from ftui.core.jsonl import Record, RecordKind

__all__ = [
    "Scope",
    "canonical_key",
    "canonicalize",
    "diff_preview",
    "printable",
    "scope_content",
    "scope_text",
]

Scope = Literal["all", "user", "assistant"]
"""Which turns near-duplicate detection compares."""

_PROMPT_ROLES = frozenset({"system", "developer"})


def _collapse(text: str) -> str:
    # str.split() with no argument splits on every Unicode whitespace run
    # and drops leading/trailing whitespace in one C-level pass.
    return " ".join(text.split())


def canonicalize(value: Any, *, casefold: bool = False) -> Any:
    """Return a copy of a JSON value with every string whitespace-normalized.

    Args:
        value: A parsed JSON value.
        casefold: Also case-fold strings (not keys).

    Returns:
        The normalized value; object keys are kept as they are (sorting happens
        when the key is serialized).
    """
    if isinstance(value, str):
        text = _collapse(value)
        return text.casefold() if casefold else text
    if isinstance(value, dict):
        return {k: canonicalize(v, casefold=casefold) for k, v in value.items()}
    if isinstance(value, list):
        return [canonicalize(v, casefold=casefold) for v in value]
    return value


def canonical_key(data: dict[str, Any], *, casefold: bool = False) -> bytes:
    """Hash identifying an example up to key order and whitespace.

    Args:
        data: A parsed line.
        casefold: Ignore letter case as well.

    Returns:
        A 16-byte BLAKE2b digest of the canonical form.
    """
    canon = canonicalize(data, casefold=casefold)
    try:
        blob = orjson.dumps(canon, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # integers beyond 64 bits: the stdlib handles them
        blob = json.dumps(
            canon, sort_keys=True, ensure_ascii=False, separators=(",", ":")
        ).encode()
    return hashlib.blake2b(blob, digest_size=16).digest()


def _content_parts(content: Any, attachments: list[str]) -> Iterable[str]:
    """Text carried by a message `content`; images and audio go to `attachments`."""
    if isinstance(content, str):
        yield content
    elif isinstance(content, list):
        for part in content:
            if isinstance(part, str):
                yield part
            elif isinstance(part, dict):
                text = part.get("text")
                if isinstance(text, str):
                    yield text
                image = part.get("image_url")
                if isinstance(image, dict) and isinstance(image.get("url"), str):
                    attachments.append(image["url"])
                audio = part.get("input_audio")
                if isinstance(audio, dict) and isinstance(audio.get("data"), str):
                    attachments.append(audio["data"])


def _message_text(message: dict[str, Any], attachments: list[str]) -> str:
    pieces = list(_content_parts(message.get("content"), attachments))
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        for call in calls:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                name, arguments = (
                    function.get("name", ""),
                    function.get("arguments", ""),
                )
                pieces.append(f"{name} {arguments}")
    function_call = message.get("function_call")
    if isinstance(function_call, dict):
        pieces.append(
            f"{function_call.get('name', '')} {function_call.get('arguments', '')}"
        )
    return _collapse(" ".join(pieces))


def _wanted(role: Any, scope: Scope) -> bool:
    if scope == "all":
        return role not in _PROMPT_ROLES
    return bool(role == scope)


def _messages_text(messages: Any, scope: Scope, attachments: list[str]) -> list[str]:
    if not isinstance(messages, list):
        return []
    turns = []
    for message in messages:
        if isinstance(message, dict) and _wanted(message.get("role"), scope):
            text = _message_text(message, attachments)
            if text:
                turns.append(text)
    return turns


def scope_content(
    record: Record, scope: Scope = "all", *, casefold: bool = True
) -> tuple[str, tuple[str, ...]]:
    """The normalized text near-duplicate detection compares, and the attachments.

    Chat and RFT rows: the non-system turns of `messages` in the scope. DPO
    (preference) rows: the non-system turns of `input.messages` followed by
    `preferred_output` and then `non_preferred_output` (both count as assistant
    turns). Legacy rows: `prompt` as the user turn, `completion` as the
    assistant turn. Tool calls count as their function name and arguments.
    Images (URLs or data URIs) and audio are not text: they are returned apart,
    and two examples are only near-duplicates when their attachments are
    identical (the same question about another chart is another example).
    Other objects, blank and invalid lines give `("", ())`.

    Args:
        record: A line.
        scope: `"all"` (every non-system turn), `"user"` or `"assistant"`.
        casefold: Case-fold the text (what is compared); false gives the text
            to show.

    Returns:
        `(text, attachments)`: whitespace-collapsed (and case-folded) turns
        joined by newlines, empty when there is nothing to compare; and the
        attachments of those turns in order.
    """
    data = record.data
    if data is None:
        return "", ()
    kind = record.kind
    attachments: list[str] = []
    turns: list[str]
    if kind in (RecordKind.CHAT, RecordKind.REINFORCEMENT):
        turns = _messages_text(data.get("messages"), scope, attachments)
    elif kind is RecordKind.PREFERENCE:
        source = data.get("input")
        turns = _messages_text(
            source.get("messages") if isinstance(source, dict) else None,
            scope,
            attachments,
        )
        if scope != "user":
            for key in ("preferred_output", "non_preferred_output"):
                output = data.get(key)
                if isinstance(output, dict):
                    output = [output]
                turns += _messages_text(output, "all", attachments)
    elif kind is RecordKind.COMPLETION:
        turns = []
        for key, role in (("prompt", "user"), ("completion", "assistant")):
            value = data.get(key)
            if isinstance(value, str) and _wanted(role, scope) and value.strip():
                turns.append(_collapse(value))
    else:
        return "", ()
    text = "\n".join(turns)
    return (text.casefold() if casefold else text), tuple(attachments)


def scope_text(record: Record, scope: Scope = "all", *, casefold: bool = True) -> str:
    """The text part of `scope_content` (see there)."""
    return scope_content(record, scope, casefold=casefold)[0]


def printable(text: str) -> str:
    """Make dataset text safe to print: control and format characters escaped.

    Args:
        text: Any text from a dataset.

    Returns:
        The text with newlines shown as `⏎` and other control characters
        (escape codes included) shown as `\\xNN`/`\\uNNNN`, so a terminal
        never interprets them.
    """
    out = []
    for char in text:
        if char == "\n":
            out.append("⏎")
        elif unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def _clip(words: list[str], limit: int, *, keep_end: bool = False) -> str:
    text = " ".join(words)
    if len(text) <= limit:
        return text
    return "…" + text[-limit:] if keep_end else text[:limit] + "…"


def diff_preview(
    old: str, new: str, *, max_changes: int = 3, context: int = 3, width: int = 40
) -> list[str]:
    """Describe word by word how `new` differs from `old`, briefly.

    Args:
        old: The reference text (the group's representative).
        new: The other text.
        max_changes: Show at most this many changed spans.
        context: Words of unchanged context shown before each change.
        width: Characters kept of each removed/added span.

    Returns:
        One plain-text line per change, like `…context [-removed-] {+added+}`,
        plus a final "(N more changes)" line when some were left out. Empty
        when the texts are the same word for word.
    """
    import difflib  # only the CLI and UI show previews

    a = old.replace("\n", " \n ").split(" ")
    b = new.replace("\n", " \n ").split(" ")
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    lines = []
    for tag, i1, i2, j1, j2 in changes[:max_changes]:
        before = _clip(a[max(0, i1 - context) : i1], width, keep_end=True)
        parts = [f"…{before}" if before else ""]
        if tag in ("replace", "delete"):
            parts.append(f"[-{_clip(a[i1:i2], width)}-]")
        if tag in ("replace", "insert"):
            parts.append(f"{{+{_clip(b[j1:j2], width)}+}}")
        lines.append(printable(" ".join(p for p in parts if p)))
    if len(changes) > max_changes:
        more = len(changes) - max_changes
        lines.append(f"({more} more change{'s' if more > 1 else ''})")
    return lines
