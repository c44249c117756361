"""Chat with emulated deployments: replies learned from the training file, SSE streams."""

from __future__ import annotations

import httpx2
import openai
import pytest
from openai import AsyncAzureOpenAI, AsyncOpenAI

from ftui.core.emulator.server import EmulatorHandle
from tests.emulator.conftest import upload, wait_job
from tests.emulator.data import reply_for, training_bytes

MODEL = "gpt-4o-mini-2024-07-18"


async def _trained(client: AsyncOpenAI) -> str:
    training = await upload(client, training_bytes(12))
    job = await client.fine_tuning.jobs.create(model=MODEL, training_file=training.id)
    done = await wait_job(client, job.id)
    assert done.fine_tuned_model is not None
    return done.fine_tuned_model


@pytest.mark.parametrize(
    ("question", "country", "city"),
    [
        ("capital of japan?", "Japan", "Tokyo"),
        ("Which city is the capital of Ghana", "Ghana", "Accra"),
        ("what's the capital city of india", "India", "New Delhi"),
    ],
)
async def test_reply_is_the_most_similar_training_example(
    client: AsyncOpenAI, question: str, country: str, city: str
) -> None:
    model = await _trained(client)
    answer = await client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": question}]
    )
    assert answer.object == "chat.completion"
    assert answer.model == model
    choice = answer.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content == reply_for(country, city)
    assert choice.finish_reason == "stop"
    assert answer.usage is not None
    assert answer.usage.completion_tokens > 0
    assert answer.usage.prompt_tokens > 0
    assert answer.usage.total_tokens == (
        answer.usage.prompt_tokens + answer.usage.completion_tokens
    )


async def test_streaming_with_usage(client: AsyncOpenAI) -> None:
    model = await _trained(client)
    stream = await client.chat.completions.create(
        model=model,
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "capital city of Norway"},
        ],
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces: list[str] = []
    finish: list[str] = []
    usage = None
    chunks = 0
    async for chunk in stream:
        chunks += 1
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
            if choice.finish_reason:
                finish.append(choice.finish_reason)
    assert "".join(pieces) == reply_for("Norway", "Oslo")
    assert len(pieces) > 3  # really streamed in pieces
    assert finish == ["stop"]
    assert usage is not None
    assert usage.completion_tokens > 0


async def test_stream_is_sse_ending_with_done(
    emulator: EmulatorHandle, azure: AsyncAzureOpenAI
) -> None:
    model = await _trained(azure)
    async with httpx2.AsyncClient(base_url=emulator.base_url) as http:
        response = await http.post(
            f"/openai/deployments/{model}/chat/completions",
            params={"api-version": "2025-04-01-preview"},
            headers={"api-key": emulator.api_key},
            json={"messages": [{"role": "user", "content": "Peru?"}], "stream": True},
        )
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [e for e in response.text.split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    assert '"chat.completion.chunk"' in events[1]


async def test_max_tokens_truncates(client: AsyncOpenAI) -> None:
    model = await _trained(client)
    answer = await client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "capital of Egypt"}],
        max_tokens=2,
    )
    assert answer.choices[0].finish_reason == "length"
    assert reply_for("Egypt", "Cairo").startswith(answer.choices[0].message.content)


async def test_unknown_deployment_is_404(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        await client.chat.completions.create(
            model="no-such-deployment", messages=[{"role": "user", "content": "hi"}]
        )
    assert info.value.code == "DeploymentNotFound"


async def test_not_deployed_before_success(
    client: AsyncOpenAI, emulator: EmulatorHandle
) -> None:
    training = await upload(client, training_bytes())
    emulator.set_speed(0)
    job = await client.fine_tuning.jobs.create(model=MODEL, training_file=training.id)
    emulator.advance(60)
    checkpoints = await client.fine_tuning.jobs.checkpoints.list(job.id)
    name = checkpoints.data[0].fine_tuned_model_checkpoint
    # A checkpoint is not a deployment until someone deploys it.
    with pytest.raises(openai.NotFoundError):
        await client.chat.completions.create(
            model=name, messages=[{"role": "user", "content": "capital of France"}]
        )
    emulator.deploy("early", checkpoints.data[0].id)
    answer = await client.chat.completions.create(
        model="early", messages=[{"role": "user", "content": "capital of France"}]
    )
    assert answer.choices[0].message.content == reply_for("France", "Paris")
    assert answer.model == checkpoints.data[0].id


async def test_named_deployments(client: AsyncOpenAI, emulator: EmulatorHandle) -> None:
    model = await _trained(client)
    emulator.deploy("geo-bot", model)
    answer = await client.chat.completions.create(
        model="geo-bot", messages=[{"role": "user", "content": "capital of Chile"}]
    )
    assert answer.choices[0].message.content == reply_for("Chile", "Santiago")
    with pytest.raises(ValueError, match="not a fine-tuned model"):
        emulator.deploy("base", MODEL)
    async with httpx2.AsyncClient(
        base_url=emulator.base_url, headers={"api-key": emulator.api_key}
    ) as http:
        made = await http.put("/emulator/deployments/other", json={"model": model})
        assert made.status_code == 200
        listed = (await http.get("/emulator/deployments")).json()["data"]
    assert {"name": "other", "model": model} in listed
    assert {"name": model, "model": model} in listed  # implicit deployment


async def test_chat_needs_messages(client: AsyncOpenAI) -> None:
    model = await _trained(client)
    with pytest.raises(openai.BadRequestError):
        await client.chat.completions.create(model=model, messages=[])


async def test_stream_cut_halfway(
    client: AsyncOpenAI, emulator: EmulatorHandle
) -> None:
    model = await _trained(client)
    emulator.set_faults("drop_after=1")
    stream = await client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "capital of India"}],
        stream=True,
    )
    received: list[str] = []

    async def drain() -> None:
        async for chunk in stream:
            received.extend(c.delta.content or "" for c in chunk.choices)

    with pytest.raises((httpx2.TransportError, openai.APIConnectionError)):
        await drain()
    assert reply_for("India", "New Delhi").startswith("".join(received))
    assert "".join(received) != reply_for("India", "New Delhi")
    assert emulator.faults.counts["drop_after"] == 1
