"""Emulated chat completions: a fine-tuned "model" that answers with what it was taught.

The reply is the final assistant message of the training example whose last user
message is most similar to the request's last user message (rapidfuzz WRatio).
Responses follow the `chat.completion` / `chat.completion.chunk` shapes, with
Azure's `prompt_filter_results` (in streams: a first chunk whose `choices` is
empty, as Azure sends it — clients must tolerate chunks without choices).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

from ftui.core.emulator.analysis import ChatIndex
from ftui.core.emulator.apierrors import ApiError

__all__ = [
    "ChatRequest",
    "completion",
    "count_tokens",
    "parse_chat_request",
    "stream_chunks",
]

_FILTER_OK = {
    category: {"filtered": False, "severity": "safe"}
    for category in ("hate", "self_harm", "sexual", "violence")
}
_PIECES = re.compile(r"\s*\S+|\s+")


def count_tokens(text: str, model: str) -> int:
    """Tokens in `text`, counted by ftui's counter for the model's base model.

    Args:
        text: Text to count.
        model: Model name (fine-tuned names resolve to their base).

    Returns:
        The token count.
    """
    from ftui.core.tokens import TokenCounter

    return TokenCounter.for_model(model).count_text(text)


class ChatRequest:
    """The parts of a chat request the emulator uses.

    Attributes:
        prompt: Text of the last user message.
        prompt_text: All message texts joined (for the usage count).
        stream: Whether SSE was asked for.
        include_usage: `stream_options.include_usage`.
        max_tokens: `max_completion_tokens` / `max_tokens`, if given.
    """

    def __init__(
        self,
        prompt: str,
        prompt_text: str,
        stream: bool,
        include_usage: bool,
        max_tokens: int | None,
    ) -> None:
        """Store the parsed fields (see the class attributes)."""
        self.prompt = prompt
        self.prompt_text = prompt_text
        self.stream = stream
        self.include_usage = include_usage
        self.max_tokens = max_tokens


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            p.get("text", "")
            for p in content
            if isinstance(p, dict) and isinstance(p.get("text"), str)
        )
    return ""


def parse_chat_request(body: dict[str, Any]) -> ChatRequest:
    """Check and read a chat completions request body.

    Args:
        body: The JSON body.

    Returns:
        The parsed request.

    Raises:
        ApiError: 400 when `messages` is missing or malformed.
    """
    messages = body.get("messages")
    if (
        not isinstance(messages, list)
        or not messages
        or not all(
            isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages
        )
    ):
        raise ApiError(
            400,
            "invalidPayload",
            "messages must be a non-empty list of objects with a role.",
            param="messages",
        )
    users = [_text(m.get("content")) for m in messages if m.get("role") == "user"]
    options = body.get("stream_options") or {}
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
    ):
        raise ApiError(400, "invalidPayload", "max_tokens must be a positive integer.")
    return ChatRequest(
        prompt=users[-1] if users else "",
        prompt_text="\n".join(_text(m.get("content")) for m in messages),
        stream=bool(body.get("stream")),
        include_usage=bool(isinstance(options, dict) and options.get("include_usage")),
        max_tokens=limit,
    )


def _reply(request: ChatRequest, index: ChatIndex, base: str) -> tuple[list[str], str]:
    """The reply split into stream pieces, and the finish reason."""
    pieces = _PIECES.findall(index.answer(request.prompt))
    if request.max_tokens is not None:
        kept: list[str] = []
        for piece in pieces:
            if count_tokens("".join([*kept, piece]), base) > request.max_tokens:
                return kept, "length"
            kept.append(piece)
    return pieces, "stop"


def _usage(request: ChatRequest, reply: str, base: str) -> dict[str, int]:
    prompt_tokens = count_tokens(request.prompt_text, base) + 3
    completion_tokens = count_tokens(reply, base)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def completion(
    request: ChatRequest, index: ChatIndex, model: str, base: str, now: int
) -> dict[str, Any]:
    """A non-streaming `chat.completion` body.

    Args:
        request: The parsed request.
        index: Prompt → reply index of the model's training file.
        model: The fine-tuned model name (echoed as `model`).
        base: The base model (picks the tokenizer for `usage`).
        now: Unix time for `created`.

    Returns:
        The response body.
    """
    pieces, finish = _reply(request, index, base)
    reply = "".join(pieces)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": now,
        "model": model,
        "system_fingerprint": "fp_emulator",
        "prompt_filter_results": [
            {"prompt_index": 0, "content_filter_results": _FILTER_OK}
        ],
        "choices": [
            {
                "index": 0,
                "finish_reason": finish,
                "logprobs": None,
                "message": {"role": "assistant", "content": reply, "refusal": None},
                "content_filter_results": _FILTER_OK,
            }
        ],
        "usage": _usage(request, reply, base),
    }


def stream_chunks(
    request: ChatRequest, index: ChatIndex, model: str, base: str, now: int
) -> Iterator[bytes]:
    """Server-sent events of a streaming completion, ending with `data: [DONE]`.

    Args:
        request: The parsed request.
        index: Prompt → reply index of the model's training file.
        model: The fine-tuned model name.
        base: The base model (picks the tokenizer for `usage`).
        now: Unix time for `created`.

    Yields:
        Encoded `data: ...\\n\\n` events.
    """
    pieces, finish = _reply(request, index, base)
    ident = f"chatcmpl-{uuid.uuid4().hex}"

    def event(payload: dict[str, Any] | str) -> bytes:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        return f"data: {text}\n\n".encode()

    def chunk(
        delta: dict[str, Any], finish_reason: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": now,
            "model": model,
            "system_fingerprint": "fp_emulator",
            "choices": [
                {
                    "index": 0,
                    "delta": delta,
                    "finish_reason": finish_reason,
                    "logprobs": None,
                }
            ],
        }
        if request.include_usage:
            body["usage"] = None
        return body

    yield event(
        {
            "choices": [],
            "created": 0,
            "id": "",
            "model": "",
            "object": "",
            "prompt_filter_results": [
                {"prompt_index": 0, "content_filter_results": _FILTER_OK}
            ],
        }
    )
    yield event(chunk({"role": "assistant", "content": "", "refusal": None}))
    for piece in pieces:
        yield event(chunk({"content": piece}))
    yield event(chunk({}, finish))
    if request.include_usage:
        yield event(
            {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": now,
                "model": model,
                "system_fingerprint": "fp_emulator",
                "choices": [],
                "usage": _usage(request, "".join(pieces), base),
            }
        )
    yield event("[DONE]")
