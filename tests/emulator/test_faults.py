"""Fault injection and idempotent creates, seen through httpx and the real SDK."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter

import httpx2
import openai
import pytest
from openai import AsyncAzureOpenAI

from ftui.core.emulator.server import EmulatorHandle
from tests.emulator.conftest import API_VERSION, upload
from tests.emulator.data import training_bytes

MODEL = "gpt-4o-mini-2024-07-18"


def _sdk(emulator: EmulatorHandle, retries: int) -> AsyncAzureOpenAI:
    return AsyncAzureOpenAI(
        azure_endpoint=emulator.azure_endpoint,
        api_key=emulator.api_key,
        api_version=API_VERSION,
        max_retries=retries,
    )


async def test_faults_happen_at_the_configured_rates(emulator: EmulatorHandle) -> None:
    emulator.set_faults("429=0.2,5xx=0.15,drop=0.1,retry_after=0.01,seed=11")
    outcomes: Counter[str] = Counter()
    n = 400
    async with httpx2.AsyncClient(
        base_url=emulator.base_url, headers={"api-key": emulator.api_key}
    ) as http:
        for _ in range(n):
            try:
                response = await http.get("/openai/v1/fine_tuning/jobs")
            except httpx2.TransportError:
                outcomes["drop"] += 1
                continue
            if response.status_code == 429:
                assert response.headers["retry-after"] == "1"
                assert response.headers["retry-after-ms"] == "10"
                assert response.json()["error"]["code"] == "429"
            outcomes[str(response.status_code)] += 1
    assert set(outcomes) <= {"200", "429", "500", "503", "drop"}
    assert 0.14 * n <= outcomes["429"] <= 0.26 * n
    assert 0.09 * n <= outcomes["500"] + outcomes["503"] <= 0.21 * n
    assert outcomes["500"] > 0
    assert outcomes["503"] > 0
    assert 0.05 * n <= outcomes["drop"] <= 0.15 * n
    # The server's own counters agree with what the client saw.
    counts = emulator.faults.counts
    assert counts["429"] == outcomes["429"]
    assert counts["drop"] == outcomes["drop"]
    assert counts["requests"] == n


async def test_same_seed_same_faults(emulator: EmulatorHandle) -> None:
    async def run() -> list[int]:
        emulator.set_faults("429=0.3,5xx=0.3,retry_after=0.01,seed=5")
        async with httpx2.AsyncClient(
            base_url=emulator.base_url, headers={"api-key": emulator.api_key}
        ) as http:
            return [(await http.get("/openai/v1/files")).status_code for _ in range(40)]

    assert await run() == await run()


async def test_latency_is_added(emulator: EmulatorHandle) -> None:
    emulator.set_faults("latency=1,delay=0.1,seed=2")
    started = time.monotonic()
    async with httpx2.AsyncClient(
        base_url=emulator.base_url, headers={"api-key": emulator.api_key}
    ) as http:
        for _ in range(10):
            assert (await http.get("/openai/v1/files")).status_code == 200
    assert time.monotonic() - started > 0.2  # ~0.5 s expected, 0 without latency
    assert emulator.faults.counts["latency"] == 10


async def test_sdk_retries_through_429_and_5xx(
    emulator: EmulatorHandle, azure: AsyncAzureOpenAI
) -> None:
    training = await upload(azure, training_bytes())
    emulator.set_faults("429=0.3,5xx=0.1,retry_after=0.01,seed=3")
    # 5xx answers carry no Retry-After, so the SDK backs off ~0.5 s+: keep it short.
    async with _sdk(emulator, retries=6) as client:
        for _ in range(6):
            assert (await client.files.retrieve(training.id)).status == "processed"
    assert emulator.faults.counts["429"] + emulator.faults.counts["5xx"] > 0


async def test_dropped_before_handling_changes_nothing(
    emulator: EmulatorHandle, azure: AsyncAzureOpenAI
) -> None:
    training = await upload(azure, training_bytes())
    emulator.set_faults("drop=1")
    with pytest.raises(openai.APIConnectionError):
        await azure.fine_tuning.jobs.create(model=MODEL, training_file=training.id)
    emulator.set_faults(None)
    assert (await azure.fine_tuning.jobs.list()).data == []


async def test_retried_create_without_key_duplicates(
    emulator: EmulatorHandle, azure: AsyncAzureOpenAI
) -> None:
    training = await upload(azure, training_bytes())
    emulator.set_faults("drop_after=1")  # every create is applied, its answer lost
    async with _sdk(emulator, retries=2) as client:
        with pytest.raises(openai.APIConnectionError):
            await client.fine_tuning.jobs.create(model=MODEL, training_file=training.id)
    emulator.set_faults(None)
    # Why idempotency keys matter: the SDK's 2 retries made 3 jobs.
    assert len((await azure.fine_tuning.jobs.list()).data) == 3


async def test_idempotency_key_makes_retries_safe(
    emulator: EmulatorHandle, azure: AsyncAzureOpenAI
) -> None:
    training = await upload(azure, training_bytes())
    key = {"Idempotency-Key": str(uuid.uuid4())}
    emulator.set_faults("drop_after=1")
    async with _sdk(emulator, retries=2) as client:
        with pytest.raises(openai.APIConnectionError):
            await client.fine_tuning.jobs.create(
                model=MODEL, training_file=training.id, extra_headers=key
            )
    emulator.set_faults(None)
    jobs = (await azure.fine_tuning.jobs.list()).data
    assert len(jobs) == 1
    # A later retry with the same key gets the job that was created.
    again = await azure.fine_tuning.jobs.create(
        model=MODEL, training_file=training.id, extra_headers=key
    )
    assert again.id == jobs[0].id
    # The same key with another request is refused rather than silently merged.
    with pytest.raises(openai.BadRequestError):
        await azure.fine_tuning.jobs.create(
            model=MODEL, training_file=training.id, suffix="other", extra_headers=key
        )


async def test_create_succeeds_once_through_random_drops(
    emulator: EmulatorHandle, azure: AsyncAzureOpenAI
) -> None:
    training = await upload(azure, training_bytes())
    emulator.set_faults("drop_after=0.5,seed=4")
    async with _sdk(emulator, retries=8) as client:
        job = await client.fine_tuning.jobs.create(
            model=MODEL,
            training_file=training.id,
            extra_headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    assert emulator.faults.counts["drop_after"] >= 1  # seed 4 drops the first try
    emulator.set_faults(None)
    assert [j.id for j in (await azure.fine_tuning.jobs.list()).data] == [job.id]


async def test_upload_idempotency(
    emulator: EmulatorHandle, azure: AsyncAzureOpenAI
) -> None:
    key = {"Idempotency-Key": "upload-1"}
    first = await azure.files.create(
        file=("t.jsonl", training_bytes()), purpose="fine-tune", extra_headers=key
    )
    second = await azure.files.create(
        file=("t.jsonl", training_bytes()), purpose="fine-tune", extra_headers=key
    )
    assert first.id == second.id
    assert len((await azure.files.list()).data) == 1


async def test_concurrent_creates(azure: AsyncAzureOpenAI) -> None:
    training = await upload(azure, training_bytes())

    async def create(key: str) -> str:
        job = await azure.fine_tuning.jobs.create(
            model=MODEL,
            training_file=training.id,
            extra_headers={"Idempotency-Key": key},
        )
        return job.id

    same = await asyncio.gather(*(create("one-key") for _ in range(12)))
    assert len(set(same)) == 1
    different = await asyncio.gather(*(create(f"key-{i}") for i in range(12)))
    assert len(set(different)) == 12
    listed = {j.id async for j in azure.fine_tuning.jobs.list(limit=5)}
    assert listed == set(same) | set(different)
