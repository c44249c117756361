"""Pure functions that read and edit the turns of one example (a parsed JSONL object).

Every edit returns a new object and leaves its input untouched, so the caller can
hand the result to `Dataset.set_data` and keep the old one for undo. Only the
containers on the path to a change are copied; everything else is shared.

Chat rows keep their turns in `messages`; preference (DPO) rows keep the prompt
turns in `input.messages`. Both are handled.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ROLES",
    "content_text",
    "delete_message",
    "first_user_text",
    "has_zero_weight",
    "insert_message",
    "messages_of",
    "new_example",
    "replace_message",
    "set_content",
    "set_role",
    "toggle_weight",
    "turn_count",
    "zero_weights_except_last",
]

ROLES: tuple[str, ...] = ("system", "developer", "user", "assistant", "tool")
"""Roles offered when a turn's role is changed or a turn is added."""


def messages_of(data: dict[str, Any] | None) -> list[Any] | None:
    """The list of turns of an example, or `None` when it has none.

    Args:
        data: A parsed line.

    Returns:
        `messages` for chat rows, `input.messages` for preference rows.
    """
    if not isinstance(data, dict):
        return None
    messages = data.get("messages")
    if isinstance(messages, list):
        return messages
    prompt = data.get("input")
    if isinstance(prompt, dict) and isinstance(prompt.get("messages"), list):
        return prompt["messages"]  # type: ignore[no-any-return]
    return None


def _with_messages(data: dict[str, Any], messages: list[Any]) -> dict[str, Any]:
    """Copy of `data` whose turn list is `messages` (same key order)."""
    if isinstance(data.get("messages"), list):
        return {**data, "messages": messages}
    prompt = data.get("input")
    if isinstance(prompt, dict) and isinstance(prompt.get("messages"), list):
        return {**data, "input": {**prompt, "messages": messages}}
    raise ValueError("this example has no list of messages")


def _message(data: dict[str, Any], index: int) -> dict[str, Any]:
    messages = messages_of(data)
    if messages is None:
        raise ValueError("this example has no list of messages")
    if not 0 <= index < len(messages):
        raise IndexError(f"there is no turn {index + 1} in this example")
    message = messages[index]
    if not isinstance(message, dict):
        raise ValueError(f"turn {index + 1} is not a JSON object")
    return message


def content_text(content: Any) -> str:
    """The plain text of a message `content` (a string or a list of parts).

    Args:
        content: The `content` value of a message.

    Returns:
        The text, with text parts joined by newlines and other parts skipped.
    """
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [
            part.get("text")
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        ]
        return "\n".join(texts)  # type: ignore[arg-type]
    return ""


def turn_count(data: dict[str, Any] | None) -> int:
    """Number of turns in an example (0 when it has no message list)."""
    messages = messages_of(data)
    return 0 if messages is None else len(messages)


def first_user_text(data: dict[str, Any] | None) -> str:
    """Text of the first user turn, or of the prompt of a completion row.

    Args:
        data: A parsed line.

    Returns:
        The text, or "" when there is none.
    """
    messages = messages_of(data)
    if messages is not None:
        for message in messages:
            if isinstance(message, dict) and message.get("role") == "user":
                return content_text(message.get("content"))
        return ""
    if isinstance(data, dict) and isinstance(data.get("prompt"), str):
        return data["prompt"]  # type: ignore[no-any-return]
    return ""


def has_zero_weight(data: dict[str, Any] | None) -> bool:
    """True when some assistant turn is excluded from training with `weight: 0`."""
    messages = messages_of(data)
    if messages is None:
        return False
    return any(
        isinstance(m, dict) and m.get("role") == "assistant" and m.get("weight") == 0
        for m in messages
    )


def _replace_at(data: dict[str, Any], index: int, message: Any) -> dict[str, Any]:
    messages = list(messages_of(data) or [])
    messages[index] = message
    return _with_messages(data, messages)


def toggle_weight(data: dict[str, Any], message_index: int) -> dict[str, Any]:
    """Switch an assistant turn between trained and `weight: 0`.

    A turn with `weight: 0` becomes trained by dropping the key (the default is
    trained); any other assistant turn gets `weight: 0`.

    Args:
        data: The example.
        message_index: Index of the turn in its message list.

    Returns:
        The edited example.

    Raises:
        ValueError: The turn is not an assistant turn (weight only applies there).
        IndexError: There is no such turn.
    """
    message = _message(data, message_index)
    if message.get("role") != "assistant":
        raise ValueError("only assistant turns have a training weight")
    if message.get("weight") == 0:
        changed = {k: v for k, v in message.items() if k != "weight"}
    else:
        changed = {**message, "weight": 0}
    return _replace_at(data, message_index, changed)


def set_content(data: dict[str, Any], message_index: int, text: str) -> dict[str, Any]:
    """Replace a turn's content with plain text.

    Args:
        data: The example.
        message_index: Index of the turn.
        text: The new content.

    Returns:
        The edited example.

    Raises:
        ValueError: The example has no message list, or the turn is not an object.
        IndexError: There is no such turn.
    """
    message = _message(data, message_index)
    return _replace_at(data, message_index, {**message, "content": text})


def set_role(data: dict[str, Any], message_index: int, role: str) -> dict[str, Any]:
    """Change a turn's role; a `weight` is dropped when it stops being an assistant.

    Args:
        data: The example.
        message_index: Index of the turn.
        role: The new role.

    Returns:
        The edited example.

    Raises:
        ValueError: The example has no message list, or the turn is not an object.
        IndexError: There is no such turn.
    """
    message = _message(data, message_index)
    changed = {**message, "role": role}
    if role != "assistant":
        changed.pop("weight", None)
    return _replace_at(data, message_index, changed)


def replace_message(
    data: dict[str, Any], message_index: int, message: dict[str, Any]
) -> dict[str, Any]:
    """Replace a whole turn (used when a turn is edited as JSON).

    Raises:
        ValueError: The example has no message list.
        IndexError: There is no such turn.
    """
    _message(data, message_index)
    return _replace_at(data, message_index, message)


def insert_message(
    data: dict[str, Any], message_index: int, message: dict[str, Any]
) -> dict[str, Any]:
    """Insert a turn so that it ends up at `message_index`.

    Args:
        data: The example.
        message_index: Position of the new turn (`len(messages)` appends).
        message: The turn, e.g. `{"role": "user", "content": ""}`.

    Returns:
        The edited example.

    Raises:
        ValueError: The example has no message list.
        IndexError: The position is outside the list.
    """
    messages = messages_of(data)
    if messages is None:
        raise ValueError("this example has no list of messages")
    if not 0 <= message_index <= len(messages):
        raise IndexError(f"cannot insert a turn at position {message_index + 1}")
    changed = list(messages)
    changed.insert(message_index, message)
    return _with_messages(data, changed)


def delete_message(data: dict[str, Any], message_index: int) -> dict[str, Any]:
    """Remove one turn.

    Raises:
        ValueError: The example has no message list.
        IndexError: There is no such turn.
    """
    messages = messages_of(data)
    if messages is None:
        raise ValueError("this example has no list of messages")
    if not 0 <= message_index < len(messages):
        raise IndexError(f"there is no turn {message_index + 1} in this example")
    changed = list(messages)
    del changed[message_index]
    return _with_messages(data, changed)


def zero_weights_except_last(data: dict[str, Any]) -> dict[str, Any]:
    """Set `weight: 0` on every assistant turn but the last one.

    The last assistant turn keeps its own weight. Use it to train only on the
    final answer of multi-turn conversations.

    Args:
        data: The example.

    Returns:
        The edited example, or `data` itself when nothing had to change.
    """
    messages = messages_of(data)
    if messages is None:
        return data
    assistant = [
        i
        for i, m in enumerate(messages)
        if isinstance(m, dict) and m.get("role") == "assistant"
    ]
    targets = [i for i in assistant[:-1] if messages[i].get("weight") != 0]
    if not targets:
        return data
    changed = list(messages)
    for i in targets:
        changed[i] = {**messages[i], "weight": 0}
    return _with_messages(data, changed)


def new_example(
    user: str = "", answer: str = "", *, system: str | None = None
) -> dict[str, Any]:
    """A new chat example: a user turn and an assistant answer.

    Args:
        user: The user turn's text.
        answer: The assistant turn's text.
        system: A system prompt to start with (none when `None`).

    Returns:
        The example, ready for `Dataset.insert`.
    """
    messages: list[dict[str, Any]] = []
    if system is not None:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": user})
    messages.append({"role": "assistant", "content": answer})
    return {"messages": messages}
