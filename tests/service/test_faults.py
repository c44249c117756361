"""Recovery: a faulty service (429/5xx/drops) still yields one job, every event once, success."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from openai import AsyncAzureOpenAI

from ftui.core.service import (
    IDEMPOTENCY_HEADER,
    SUBMIT_TAG,
    FineTuningService,
    JobRequest,
    JobStatus,
    ServiceConnectionError,
    ServiceRequestError,
    follow_job,
)
from ftui.core.service.retry import Backoff
from tests.service.conftest import MODEL, SleepLog

# 30% of requests fail: 10% 429 (tiny Retry-After), 10% 5xx, 5% dropped before
# handling, 5% dropped after handling (the state changed, the answer is lost).
FAULTS = "429=0.1,5xx=0.1,drop=0.05,drop_after=0.05,retry_after=0.01,seed={seed}"


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_faulty_run_follows_to_success_without_duplicates(
    service: FineTuningService, emu: Any, train_file: Path, seed: int
) -> None:
    emu.set_speed(300)  # slower job: many polls, so many faults along the way
    emu.set_faults(FAULTS.format(seed=seed))
    file = await service.upload_file(train_file, poll_interval=0.01)
    job = await service.create_job(
        JobRequest(model=MODEL, training_file=file.id, n_epochs=2)
    )
    sleep = SleepLog()
    updates = [
        u
        async for u in follow_job(
            service,
            job.id,
            interval=0.01,
            sleep=sleep,
            backoff=Backoff(base=0.01, cap=0.05),
        )
    ]
    counts = dict(emu.faults.counts)
    emu.set_faults(None)
    assert sum(counts.get(k, 0) for k in ("429", "5xx", "drop", "drop_after")) > 0
    assert updates[-1].state == "ok"
    assert updates[-1].job is not None
    assert updates[-1].job.status is JobStatus.SUCCEEDED
    reconnecting = [u for u in updates if u.state == "reconnecting"]
    assert reconnecting, "the fault spec should have hit the follow loop"
    assert all(u.error and u.retry_in is not None for u in reconnecting)
    followed = [e.id for u in updates for e in u.events]
    assert len(followed) == len(set(followed)), "an event was yielded twice"
    truth = await service.list_events(job.id)
    assert followed == [e.id for e in truth], "events lost or out of order"
    jobs = await service.list_jobs()
    assert [j.id for j in jobs] == [job.id], "a retried create made a second job"
    files = await service.list_files()
    assert len(files) == 1 + len(updates[-1].job.result_files)


async def test_create_survives_a_lost_response_without_a_second_job(
    service: FineTuningService, emu: Any, train_file: Path
) -> None:
    file = await service.upload_file(train_file, poll_interval=0.01)
    emu.set_faults("drop_after=1.0,seed=1")  # every request handled, answer lost
    with pytest.raises(ServiceConnectionError):
        await service.create_job(
            JobRequest(model=MODEL, training_file=file.id), max_attempts=3
        )
    emu.set_faults(None)
    jobs = await service.list_jobs()
    assert len(jobs) == 1, "three sends with one Idempotency-Key must make one job"
    key = jobs[0].metadata[SUBMIT_TAG]
    # Resubmitting with the same key (e.g. after a crash) returns that job.
    again = await service.create_job(
        JobRequest(model=MODEL, training_file=file.id), idempotency_key=key
    )
    assert again.id == jobs[0].id
    assert len(await service.list_jobs()) == 1


# ---------------------------------------------------------------- without emulator


def _job(job_id: str, key: str) -> dict[str, Any]:
    return {
        "id": job_id,
        "object": "fine_tuning.job",
        "created_at": 1,
        "model": MODEL,
        "status": "pending",
        "training_file": "file-1",
        "hyperparameters": {"n_epochs": "auto"},
        "seed": 1,
        "metadata": {SUBMIT_TAG: key},
    }


def _mock_service(handler: Any) -> FineTuningService:
    client = AsyncAzureOpenAI(
        azure_endpoint="https://example.openai.azure.com",
        api_key="test-key-123456",
        api_version="2025-04-01-preview",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
        max_retries=0,
    )
    return FineTuningService(
        client, sleep=SleepLog(), backoff=Backoff(base=0.01, cap=0.01)
    )


async def test_after_a_drop_the_job_is_found_by_its_tag_not_created_again() -> None:
    """A server that ignores Idempotency-Key: the metadata tag still prevents a twin."""
    created: list[dict[str, Any]] = []
    keys: list[str | None] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.method == "POST":
            body = json.loads(request.read())
            keys.append(request.headers.get(IDEMPOTENCY_HEADER))
            created.append(_job(f"ftjob-{len(created)}", body["metadata"][SUBMIT_TAG]))
            raise httpx2.RemoteProtocolError("connection dropped", request=request)
        assert request.url.params.get(f"metadata[{SUBMIT_TAG}]")
        return httpx2.Response(
            200, json={"object": "list", "data": created[::-1], "has_more": False}
        )

    async with _mock_service(handler) as service:
        job = await service.create_job(JobRequest(model=MODEL, training_file="file-1"))
    assert len(created) == 1
    assert job.id == "ftjob-0"
    assert keys[0]


async def test_retries_resend_the_same_key_until_accepted() -> None:
    keys: list[str | None] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.method == "GET":
            return httpx2.Response(
                200, json={"object": "list", "data": [], "has_more": False}
            )
        keys.append(request.headers.get(IDEMPOTENCY_HEADER))
        if len(keys) < 3:
            return httpx2.Response(
                503, json={"error": {"code": "ServiceUnavailable", "message": "busy"}}
            )
        body = json.loads(request.read())
        return httpx2.Response(200, json=_job("ftjob-9", body["metadata"][SUBMIT_TAG]))

    async with _mock_service(handler) as service:
        job = await service.create_job(JobRequest(model=MODEL, training_file="file-1"))
    assert job.id == "ftjob-9"
    assert len(keys) == 3
    assert len(set(keys)) == 1
    assert keys[0]


async def test_a_refusal_is_not_retried() -> None:
    calls = 0

    def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal calls
        calls += 1
        return httpx2.Response(
            400,
            json={"error": {"code": "invalidPayload", "message": "model unknown"}},
        )

    async with _mock_service(handler) as service:
        with pytest.raises(ServiceRequestError, match="model unknown"):
            await service.create_job(JobRequest(model="nope", training_file="f"))
    assert calls == 1


async def test_metadata_rejected_by_an_old_api_version_is_dropped() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.read())
        bodies.append(body)
        if "metadata" in body:
            return httpx2.Response(
                400,
                json={
                    "error": {
                        "code": "invalidPayload",
                        "message": "unknown field",
                        "target": "metadata",
                    }
                },
            )
        return httpx2.Response(200, json=_job("ftjob-1", "x"))

    async with _mock_service(handler) as service:
        job = await service.create_job(JobRequest(model=MODEL, training_file="f"))
    assert job.id == "ftjob-1"
    assert len(bodies) == 2
    assert "metadata" not in bodies[1]
