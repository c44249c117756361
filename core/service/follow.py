"""Following a job: an async generator of snapshots and new events until the job ends.

Transient failures (429 with Retry-After, 5xx, dropped connections, timeouts)
never escape: they become a visible ``state="reconnecting"`` update, then the
loop waits (exponential backoff with jitter, or the server's Retry-After) and
tries again. Events are yielded once each, oldest first; the last event id of
every update can be passed back as `since_event_id` to resume after a restart.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from ftui.core.errors import ServiceError
from ftui.core.service.backend import FineTuningBackend
from ftui.core.service.client import EventReader
from ftui.core.service.errors import is_transient
from ftui.core.service.models import FollowUpdate, JobEvent, JobInfo
from ftui.core.service.retry import Backoff

__all__ = ["follow_job"]


async def follow_job(
    service: FineTuningBackend,
    job_id: str,
    *,
    interval: float = 10.0,
    since_event_id: str | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    backoff: Backoff | None = None,
    max_failures: int | None = None,
    sdk_retries: int = 0,
    event_page_size: int = 100,
) -> AsyncIterator[FollowUpdate]:
    """Poll a job until it succeeds, fails or is cancelled.

    Each poll fetches the job, then the events newer than the last one seen,
    and yields one ``state="ok"`` update (also when nothing changed, so a UI
    can show "last checked"). The final update carries the terminal snapshot.

    Args:
        service: The service to poll (`FineTuningService` or a fake).
        job_id: The job to follow.
        interval: Seconds from the start of one poll to the start of the next.
        since_event_id: Resume: only events newer than this one are yielded.
        sleep: Awaitable sleep (tests inject a fake one).
        clock: Monotonic clock in seconds (tests inject a fake one).
        backoff: Delay policy after failures (default: 1 s doubling to 30 s,
            jittered).
        max_failures: Give up after this many consecutive transient failures
            (None = never; the caller can stop iterating at any time).
        sdk_retries: The SDK's own silent retries per request; 0 so that every
            failure shows up as "reconnecting".
        event_page_size: Events per request.

    Yields:
        `FollowUpdate`s.

    Raises:
        ServiceError: A non-transient error (401, 404...) or `max_failures` reached.
    """
    polling = service.with_retries(sdk_retries)
    policy = backoff or Backoff(cap=30.0)
    reader = EventReader(
        polling, job_id, since_event_id=since_event_id, page_size=event_page_size
    )
    last_id = since_event_id
    seen: set[str] = {since_event_id} if since_event_id else set()
    job: JobInfo | None = None
    failures = 0
    silent = 0
    while True:
        started = clock()
        answered = False
        pages_before = reader.pages_read
        try:
            job = await polling.retrieve_job(job_id)
            answered = True
            # Events after the snapshot: a terminal snapshot then comes with
            # every event written up to its end.
            events = await reader.read()  # resumes a half-read catch-up
        except ServiceError as err:
            if not is_transient(err):
                raise
            failures += 1
            if max_failures is not None and failures > max_failures:
                raise
            # Back off hard only while nothing answers; a service that answered
            # part of this poll is up, so retry at the base delay.
            answered = answered or reader.pages_read > pages_before
            silent = 0 if answered else silent + 1
            delay = policy.delay(max(1, silent), getattr(err, "retry_after", None))
            yield FollowUpdate(
                state="reconnecting",
                job=job,
                last_event_id=last_id,
                error=str(err),
                retry_in=delay,
                attempt=failures,
            )
            await sleep(delay)
            continue
        failures = silent = 0
        new: list[JobEvent] = []
        for event in events:
            if event.id not in seen:
                seen.add(event.id)
                new.append(event)
        if new:
            last_id = new[-1].id
        yield FollowUpdate(
            state="ok", job=job, events=tuple(new), last_event_id=last_id
        )
        if job.status.is_terminal:
            return
        await sleep(max(0.0, interval - (clock() - started)))
