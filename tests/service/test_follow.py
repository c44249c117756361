"""follow_job with a scripted transport, an injected sleep and an injected clock."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from openai import AsyncOpenAI

from ftui.core.service import (
    FineTuningService,
    ServiceAuthError,
    ServiceUnavailableError,
    follow_job,
)
from ftui.core.service.retry import Backoff


def _event(n: int) -> dict[str, Any]:
    return {
        "id": f"ev-{n}",
        "object": "fine_tuning.job.event",
        "created_at": 1000 + n,
        "level": "info",
        "message": f"Step {n}: training loss=1.0",
        "type": "metrics",
        "data": {"step": n, "train_loss": 1.0 / n},
    }


class Script:
    """A fake service: job status and events advance one step per job fetch."""

    def __init__(self, statuses: list[str], faults: dict[int, httpx2.Response | str]):
        self.statuses = statuses
        self.faults = faults  # request number -> response or "drop"
        self.requests = 0
        self.polls = 0

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests += 1
        fault = self.faults.get(self.requests)
        if fault == "drop":
            raise httpx2.ConnectError("connection refused", request=request)
        if isinstance(fault, httpx2.Response):
            return fault
        if request.url.path.endswith("/events"):
            count = min(self.polls, len(self.statuses)) * 2
            events = [_event(n) for n in range(1, count + 1)][::-1]
            after = request.url.params.get("after")
            if after:
                ids = [e["id"] for e in events]
                events = events[ids.index(after) + 1 :]
            limit = int(request.url.params.get("limit", 20))
            return httpx2.Response(
                200,
                json={
                    "object": "list",
                    "data": events[:limit],
                    "has_more": len(events) > limit,
                },
            )
        self.polls += 1
        status = self.statuses[min(self.polls, len(self.statuses)) - 1]
        return httpx2.Response(
            200,
            json={
                "id": "ftjob-1",
                "object": "fine_tuning.job",
                "created_at": 1,
                "model": "gpt-4o-mini",
                "status": status,
                "training_file": "file-1",
                "hyperparameters": {},
                "seed": 1,
            },
        )


def _service(handler: Callable[[httpx2.Request], httpx2.Response]) -> FineTuningService:
    client = AsyncOpenAI(
        base_url="https://example.openai.azure.com/openai/v1/",
        api_key="test-key-123456",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
        max_retries=0,
    )
    return FineTuningService(client)


class FakeTime:
    """A clock that only moves when the fake sleep is awaited."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _error(status: int, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.Response(
        status, json={"error": {"code": str(status), "message": "x"}}, headers=headers
    )


async def test_yields_each_event_once_oldest_first_until_terminal() -> None:
    script = Script(["queued", "running", "running", "succeeded"], {})
    time = FakeTime()
    async with _service(script) as service:
        updates = [
            u
            async for u in follow_job(
                service, "ftjob-1", interval=5.0, sleep=time.sleep, clock=time.clock
            )
        ]
    assert [u.job.status for u in updates if u.job] == [
        "queued",
        "running",
        "running",
        "succeeded",
    ]
    ids = [e.id for u in updates for e in u.events]
    assert ids == [f"ev-{n}" for n in range(1, 9)]
    assert updates[-1].last_event_id == "ev-8"
    assert time.sleeps == [5.0, 5.0, 5.0]  # no sleep after the terminal snapshot


async def test_429_retry_after_is_honoured_and_shown_as_reconnecting() -> None:
    script = Script(
        ["running", "running", "succeeded"],
        {2: _error(429, {"retry-after": "7"}), 5: _error(503), 6: "drop"},
    )
    time = FakeTime()
    async with _service(script) as service:
        updates = [
            u
            async for u in follow_job(
                service,
                "ftjob-1",
                interval=1.0,
                sleep=time.sleep,
                clock=time.clock,
                backoff=Backoff(base=2.0, cap=60.0, jitter=0.0),
            )
        ]
    states = [u.state for u in updates]
    assert states == ["reconnecting", "ok", "reconnecting", "reconnecting", "ok"]
    first = updates[0]
    assert first.retry_in == 7.0
    assert "429" in (first.error or "")
    assert updates[2].retry_in == 2.0
    assert "503" in (updates[2].error or "")
    assert updates[3].retry_in == 4.0
    assert updates[3].attempt == 2
    assert "connect" in (updates[3].error or "")
    assert updates[3].job is not None  # the last good snapshot is kept
    assert time.sleeps[0] == 7.0
    ids = [e.id for u in updates for e in u.events]
    assert len(ids) == len(set(ids))
    assert updates[-1].job is not None
    assert updates[-1].job.status == "succeeded"


async def test_resume_skips_events_already_seen() -> None:
    script = Script(["running", "running", "succeeded"], {})
    script.polls = 2  # the job already has 4 events
    time = FakeTime()
    async with _service(script) as service:
        updates = [
            u
            async for u in follow_job(
                service,
                "ftjob-1",
                since_event_id="ev-4",
                interval=0.0,
                sleep=time.sleep,
                clock=time.clock,
            )
        ]
    ids = [e.id for u in updates for e in u.events]
    assert ids == ["ev-5", "ev-6"]


async def test_a_refused_key_is_raised_not_retried() -> None:
    script = Script(["running"], {1: _error(401)})
    async with _service(script) as service:
        with pytest.raises(ServiceAuthError, match="401"):
            async for _ in follow_job(service, "ftjob-1", sleep=FakeTime().sleep):
                pass
    assert script.requests == 1


async def test_max_failures_gives_up() -> None:
    script = Script(["running"], {n: _error(500) for n in range(1, 50)})
    updates: list[Any] = []

    async def collect(service: FineTuningService) -> None:
        async for u in follow_job(
            service, "ftjob-1", max_failures=3, sleep=FakeTime().sleep
        ):
            updates.append(u)

    async with _service(script) as service:
        with pytest.raises(ServiceUnavailableError, match="500"):
            await collect(service)
    assert [u.state for u in updates] == ["reconnecting"] * 3


def test_backoff_is_exponential_capped_and_jittered() -> None:
    policy = Backoff(base=1.0, cap=10.0, jitter=0.5, rng=random.Random(4))
    delays = [policy.delay(n) for n in range(1, 8)]
    for n, delay in enumerate(delays, start=1):
        raw = min(10.0, 2.0 ** (n - 1))
        assert raw * 0.5 <= delay <= raw
    assert max(delays) <= 10.0
    assert policy.delay(3, retry_after=2.5) == 2.5
    assert Backoff(cap_retry_after=30).delay(1, retry_after=999) == 30


async def test_a_long_catch_up_resumes_after_a_failed_page() -> None:
    events = [_event(n) for n in range(1, 21)][::-1]  # newest first
    afters: list[str | None] = []
    failed = False

    def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal failed
        if not request.url.path.endswith("/events"):
            return Script(["succeeded"], {})(request)
        after = request.url.params.get("after")
        afters.append(after)
        if after == "ev-16" and not failed:
            failed = True
            return _error(500)
        start = 0 if after is None else [e["id"] for e in events].index(after) + 1
        page = events[start : start + 5]
        return httpx2.Response(
            200,
            json={"object": "list", "data": page, "has_more": start + 5 < 20},
        )

    time = FakeTime()
    async with _service(handler) as service:
        updates = [
            u
            async for u in follow_job(
                service, "ftjob-1", sleep=time.sleep, event_page_size=5
            )
        ]
    assert [u.state for u in updates] == ["reconnecting", "ok"]
    assert [e.id for e in updates[-1].events] == [f"ev-{n}" for n in range(1, 21)]
    # The retry went on from the failed page; the first page was not read again.
    assert afters == [None, "ev-16", "ev-16", "ev-11", "ev-6"]


class FakeBackend:
    """The smallest `FineTuningBackend` follow_job needs: a screen test's fake."""

    def __init__(self) -> None:
        self.calls = 0

    def with_retries(self, max_retries: int) -> FakeBackend:
        return self

    async def retrieve_job(self, job_id: str) -> Any:
        from ftui.core.service import JobInfo

        self.calls += 1
        status = "succeeded" if self.calls >= 2 else "running"
        return JobInfo(id=job_id, status=status, model="m")

    async def list_events_page(
        self, job_id: str, *, after: str | None = None, limit: int = 100
    ) -> tuple[list[Any], bool]:
        from ftui.core.service import JobEvent

        events = [
            JobEvent(id=f"e{n}", created_at=n, message=f"m{n}")
            for n in range(self.calls, 0, -1)
        ]
        return events, False


async def test_follow_accepts_a_fake_backend() -> None:
    updates = [
        u
        async for u in follow_job(
            FakeBackend(),  # type: ignore[arg-type]
            "ftjob-x",
            sleep=FakeTime().sleep,
        )
    ]
    assert [e.id for u in updates for e in u.events] == ["e1", "e2"]
    assert updates[-1].job is not None
    assert updates[-1].job.status == "succeeded"


async def test_backoff_stays_short_while_the_service_answers_part_of_a_poll() -> None:
    # Every events request of the first three polls fails; the job fetch works.
    script = Script(
        ["running"] * 3 + ["succeeded"],
        {2: _error(500), 4: _error(502), 6: _error(503)},
    )
    time = FakeTime()
    async with _service(script) as service:
        updates = [
            u
            async for u in follow_job(
                service,
                "ftjob-1",
                interval=1.0,
                sleep=time.sleep,
                clock=time.clock,
                backoff=Backoff(base=2.0, cap=60.0, jitter=0.0),
            )
        ]
    reconnecting = [u for u in updates if u.state == "reconnecting"]
    assert [u.attempt for u in reconnecting] == [1, 2, 3]
    assert [u.retry_in for u in reconnecting] == [2.0, 2.0, 2.0]  # not 2, 4, 8
    assert updates[-1].job is not None
    assert updates[-1].job.status == "succeeded"
