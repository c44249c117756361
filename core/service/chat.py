"""Streaming chat with an Azure deployment or an OpenAI model: chunks, then a result."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

from ftui.core.errors import ServiceError
from ftui.core.service.client import FineTuningService
from ftui.core.service.errors import translate_error
from ftui.core.service.models import ChatChunk, ChatResult, ChatUsage

__all__ = ["stream_chat"]


async def stream_chat(
    service: FineTuningService,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    temperature: float | None = None,
    max_tokens: int | None = None,
    include_usage: bool = True,
    stop: asyncio.Event | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> AsyncIterator[ChatChunk | ChatResult]:
    """Stream one chat completion.

    On Azure `model` is the deployment name (the dated API routes it to
    ``/openai/deployments/{model}/chat/completions``; the v1 API sends it as
    ``model``); on OpenAI it is the model id, e.g. ``ft:gpt-4o-mini:…``.

    Cancel by setting `stop` (a final result with ``cancelled=True`` is
    yielded), by leaving the loop (``aclose``), or by cancelling the task; the
    HTTP stream is closed in every case.

    Args:
        service: The service (its client) to call.
        model: Deployment name (Azure) or model id (OpenAI).
        messages: Chat messages, e.g. ``[{"role": "user", "content": "hi"}]``.
        temperature: Sampling temperature; the service default when None.
        max_tokens: Cap on generated tokens.
        include_usage: Ask for token usage in the last chunk.
        stop: Set it to stop early.
        clock: Clock for the latencies (tests inject one).

    Yields:
        `ChatChunk`s of text, then exactly one `ChatResult`.

    Raises:
        ServiceError: The request failed (unknown deployment → not found, etc.).
    """
    kwargs: dict[str, Any] = {
        "model": model,
        "messages": list(messages),
        "stream": True,
    }
    if temperature is not None:
        kwargs["temperature"] = temperature
    if max_tokens is not None:
        kwargs["max_tokens"] = max_tokens
    if include_usage:
        kwargs["stream_options"] = {"include_usage": True}
    action = f"chat with {model}"
    started = clock()
    first: float | None = None
    parts: list[str] = []
    finish_reason: str | None = None
    usage: ChatUsage | None = None
    served_model: str | None = None
    cancelled = False
    try:
        stream = await service.client.chat.completions.create(**kwargs)
    except Exception as exc:
        raise translate_error(exc, action=action, where=service.where) from None
    try:
        async for chunk in stream:
            if stop is not None and stop.is_set():
                cancelled = True
                break
            served_model = getattr(chunk, "model", None) or served_model
            if chunk.usage is not None:
                usage = ChatUsage(
                    prompt_tokens=chunk.usage.prompt_tokens,
                    completion_tokens=chunk.usage.completion_tokens,
                    total_tokens=chunk.usage.total_tokens,
                )
            for choice in chunk.choices or ():
                text = choice.delta.content if choice.delta else None
                if choice.finish_reason:
                    finish_reason = choice.finish_reason
                if text:
                    if first is None:
                        first = clock() - started
                    parts.append(text)
                    yield ChatChunk(text=text)
                    if stop is not None and stop.is_set():
                        cancelled = True
                        break
            if cancelled:
                break
    except ServiceError:
        raise
    except Exception as exc:
        raise translate_error(exc, action=action, where=service.where) from None
    finally:
        await stream.close()
    yield ChatResult(
        text="".join(parts),
        finish_reason=finish_reason,
        usage=usage,
        latency=clock() - started,
        first_token_latency=first,
        model=served_model,
        cancelled=cancelled,
    )
