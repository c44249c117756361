"""Clients and helpers for the emulator tests: the real openai SDK over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from openai import AsyncAzureOpenAI, AsyncOpenAI

from ftui.core.emulator.server import EmulatorHandle

API_VERSION = "2025-04-01-preview"
TERMINAL = {"succeeded", "failed", "cancelled"}


@pytest.fixture
async def azure(emulator: EmulatorHandle) -> AsyncIterator[AsyncAzureOpenAI]:
    """An `AsyncAzureOpenAI` client on the dated API, without SDK retries."""
    client = AsyncAzureOpenAI(
        azure_endpoint=emulator.azure_endpoint,
        api_key=emulator.api_key,
        api_version=API_VERSION,
        max_retries=0,
    )
    async with client:
        yield client


@pytest.fixture
async def v1(emulator: EmulatorHandle) -> AsyncIterator[AsyncOpenAI]:
    """An `AsyncOpenAI` client on Azure's v1 routes, without SDK retries."""
    client = AsyncOpenAI(
        base_url=emulator.v1_base_url, api_key=emulator.api_key, max_retries=0
    )
    async with client:
        yield client


@pytest.fixture(params=["azure", "v1"])
async def client(
    request: pytest.FixtureRequest, emulator: EmulatorHandle
) -> AsyncIterator[AsyncOpenAI]:
    """Each test using this runs against the dated API and the v1 API."""
    if request.param == "azure":
        made: AsyncOpenAI = AsyncAzureOpenAI(
            azure_endpoint=emulator.azure_endpoint,
            api_key=emulator.api_key,
            api_version=API_VERSION,
            max_retries=0,
        )
    else:
        made = AsyncOpenAI(
            base_url=emulator.v1_base_url, api_key=emulator.api_key, max_retries=0
        )
    async with made:
        yield made


async def upload(client: AsyncOpenAI, data: bytes, name: str = "train.jsonl") -> Any:
    """Upload a fine-tune file and wait until it is processed or in error."""
    created = await client.files.create(file=(name, data), purpose="fine-tune")
    return await client.files.wait_for_processing(created.id, poll_interval=0.01)


async def wait_job(client: AsyncOpenAI, job_id: str, seconds: float = 20.0) -> Any:
    """Poll a job until it ends; return the final job."""
    async with asyncio.timeout(seconds):
        while True:
            job = await client.fine_tuning.jobs.retrieve(job_id)
            if job.status in TERMINAL:
                return job
            await asyncio.sleep(0.02)


async def all_events(client: AsyncOpenAI, job_id: str, limit: int = 7) -> list[Any]:
    """Every event of a job, paging with `after`, in the service's (newest-first) order."""
    events: list[Any] = []
    after: str | None = None
    while True:
        if after is None:
            page = await client.fine_tuning.jobs.list_events(job_id, limit=limit)
        else:
            page = await client.fine_tuning.jobs.list_events(
                job_id, limit=limit, after=after
            )
        events.extend(page.data)
        if not page.has_more or not page.data:
            return events
        after = page.data[-1].id
