"""Every service operation through the real openai SDK against the emulator, dated and v1 routes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from ftui.core.service import (
    ChatChunk,
    ChatResult,
    FileProcessingError,
    FineTuningService,
    JobRequest,
    JobStatus,
    ServiceNotFoundError,
    UploadRefusedError,
    follow_job,
    stream_chat,
)
from tests.service.conftest import MODEL, SleepLog, chat_rows, write_jsonl


async def _run_to_end(service: FineTuningService, job_id: str) -> Any:
    last = None
    async for update in follow_job(service, job_id, interval=0.01, sleep=SleepLog()):
        last = update
    assert last is not None
    return last.job


async def _trained_job(service: FineTuningService, train: Path, **kw: Any) -> Any:
    file = await service.upload_file(train, poll_interval=0.01)
    job = await service.create_job(
        JobRequest(model=MODEL, training_file=file.id, n_epochs=2, **kw)
    )
    return await _run_to_end(service, job.id)


async def test_upload_reports_progress_and_waits_until_processed(
    service: FineTuningService, train_file: Path
) -> None:
    seen: list[tuple[int, int]] = []
    content = train_file.read_bytes()  # noqa: ASYNC240 - a tiny fixture file
    size = len(content)
    info = await service.upload_file(
        train_file, progress=lambda a, b: seen.append((a, b)), poll_interval=0.01
    )
    assert info.id.startswith("file")
    assert info.status == "processed"
    assert info.purpose == "fine-tune"
    assert info.filename == "train.jsonl"
    assert seen
    assert seen[-1] == (size, size)
    assert (await service.retrieve_file(info.id)).id == info.id
    assert info.id in [f.id for f in await service.list_files()]
    assert await service.download_file(info.id) == content


async def test_upload_refuses_a_file_with_validation_errors(
    service: FineTuningService, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [}\n' + json.dumps(chat_rows(1)[0]) + "\n")
    with pytest.raises(UploadRefusedError, match="validation error"):
        await service.upload_file(bad)
    assert await service.list_files() == []


async def test_forced_upload_of_a_broken_file_surfaces_status_details(
    service: FineTuningService, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [}\n' * 3)
    with pytest.raises(FileProcessingError) as caught:
        await service.upload_file(bad, force=True, poll_interval=0.01)
    assert caught.value.file.status == "error"
    assert caught.value.file.status_details
    assert caught.value.file.status_details in str(caught.value)


async def test_create_job_sends_method_hyperparameters_and_suffix(
    service: FineTuningService, train_file: Path, valid_file: Path
) -> None:
    train = await service.upload_file(train_file, poll_interval=0.01)
    valid = await service.upload_file(valid_file, poll_interval=0.01)
    job = await service.create_job(
        JobRequest(
            model=MODEL,
            training_file=train.id,
            validation_file=valid.id,
            suffix="unit",
            seed=42,
            n_epochs=3,
            batch_size=2,
            learning_rate_multiplier=0.5,
            training_type="GlobalStandard",
        )
    )
    assert job.id.startswith("ftjob-")
    assert job.model == MODEL
    assert job.training_file == train.id
    assert job.validation_file == valid.id
    assert job.seed == 42
    assert job.method == "supervised"
    assert job.hyperparameters.n_epochs == 3
    assert job.hyperparameters.batch_size == 2
    assert job.hyperparameters.learning_rate_multiplier == 0.5
    assert not job.status.is_terminal
    fetched = await service.retrieve_job(job.id)
    assert fetched.id == job.id
    assert fetched.metadata
    assert "ftui_submit_id" in fetched.metadata


async def test_list_jobs_follows_every_page(
    service: FineTuningService, train_file: Path
) -> None:
    file = await service.upload_file(train_file, poll_interval=0.01)
    created = [
        await service.create_job(JobRequest(model=MODEL, training_file=file.id))
        for _ in range(5)
    ]
    listed = await service.list_jobs(page_size=2)
    assert sorted(j.id for j in listed) == sorted(j.id for j in created)
    assert len({j.id for j in listed}) == 5
    assert len(await service.list_jobs(limit=3, page_size=2)) == 3


async def test_follow_events_checkpoints_results_and_metrics(
    service: FineTuningService, train_file: Path, valid_file: Path
) -> None:
    train = await service.upload_file(train_file, poll_interval=0.01)
    valid = await service.upload_file(valid_file, poll_interval=0.01)
    job = await service.create_job(
        JobRequest(
            model=MODEL, training_file=train.id, validation_file=valid.id, n_epochs=3
        )
    )
    updates = [
        u async for u in follow_job(service, job.id, interval=0.01, sleep=SleepLog())
    ]
    final = updates[-1].job
    assert final is not None
    assert final.status is JobStatus.SUCCEEDED
    assert final.fine_tuned_model
    assert ".ft-" in final.fine_tuned_model
    followed = [e for u in updates for e in u.events]
    assert len({e.id for e in followed}) == len(followed)

    # Events: paged with `after` (small pages), oldest first, same as followed.
    events = await service.list_events(job.id, page_size=4)
    assert [e.id for e in events] == [e.id for e in followed]
    assert [e.created_at for e in events] == sorted(e.created_at for e in events)
    since = await service.list_events(job.id, since_event_id=events[4].id, page_size=3)
    assert [e.id for e in since] == [e.id for e in events[5:]]

    checkpoints = await service.list_checkpoints(job.id)
    assert 1 <= len(checkpoints) <= 3
    assert [c.step_number for c in checkpoints] == sorted(
        c.step_number for c in checkpoints
    )
    assert all(c.fine_tuning_job_id == job.id for c in checkpoints)

    results = await service.download_results(final)
    assert results
    assert results[0].step == 1
    assert all(p.train_loss is not None for p in results)
    assert any(p.valid_loss is not None for p in results)

    detail = await service.get_job_detail(job.id, last_events=5)
    series = detail.metrics
    assert "results" in series.sources
    assert "events" in series.sources
    assert [p.step for p in series.points] == sorted({p.step for p in series.points})
    assert series.points[-1].step == max(c.step_number for c in checkpoints)
    assert len(series.column("train_loss")) == len(series.points)
    assert series.column("full_valid_loss")  # epoch ends
    assert len(detail.events) == 5
    assert detail.events[-1].id == events[-1].id
    assert detail.warnings == ()


async def test_cancel_pause_resume(
    service: FineTuningService, emu: Any, train_file: Path
) -> None:
    emu.set_speed(0)  # manual clock: the job stays where we put it
    file = await service.upload_file(train_file, wait=False)
    emu.advance(600)
    job = await service.create_job(JobRequest(model=MODEL, training_file=file.id))
    emu.advance(60)  # queue + setup: running
    running = await service.retrieve_job(job.id)
    assert running.status is JobStatus.RUNNING
    paused = await service.pause_job(job.id)
    assert paused.status in (JobStatus.PAUSING, JobStatus.PAUSED)
    emu.advance(60)
    assert (await service.retrieve_job(job.id)).status is JobStatus.PAUSED
    resumed = await service.resume_job(job.id)
    assert resumed.status in (JobStatus.RESUMING, JobStatus.RUNNING)
    cancelled = await service.cancel_job(job.id)
    emu.advance(60)
    final = await service.retrieve_job(job.id)
    assert JobStatus.CANCELLED in (cancelled.status, final.status)
    assert final.status is JobStatus.CANCELLED


async def test_failed_job_reports_its_error(
    service: FineTuningService, train_file: Path
) -> None:
    final = await _trained_job(service, train_file, method="dpo")
    assert final.status is JobStatus.FAILED
    assert final.error is not None
    assert final.error.message


async def test_unknown_ids_are_not_found(service: FineTuningService) -> None:
    with pytest.raises(ServiceNotFoundError, match="404"):
        await service.retrieve_job("ftjob-doesnotexist")
    with pytest.raises(ServiceNotFoundError):
        await service.retrieve_file("file-doesnotexist")


async def test_chat_streams_chunks_then_a_result(
    service: FineTuningService, emu: Any, train_file: Path
) -> None:
    final = await _trained_job(service, train_file)
    emu.deploy("my-deployment", final.fine_tuned_model)
    prompt = [{"role": "user", "content": "What is 3 plus 3?"}]
    items = [item async for item in stream_chat(service, "my-deployment", prompt)]
    chunks = [i for i in items if isinstance(i, ChatChunk)]
    result = items[-1]
    assert isinstance(result, ChatResult)
    assert chunks
    assert all(isinstance(i, ChatChunk) for i in items[:-1])
    assert result.text == "".join(c.text for c in chunks)
    assert result.text.strip() == "6"  # the most similar training answer
    assert result.finish_reason == "stop"
    assert result.latency >= 0
    assert result.first_token_latency is not None
    assert not result.cancelled
    if result.usage is not None:
        assert result.usage.total_tokens


async def test_chat_can_be_stopped(
    service: FineTuningService, emu: Any, tmp_path: Path
) -> None:
    rows = chat_rows(12)
    rows[3]["messages"][2]["content"] = " ".join(f"word{i}" for i in range(200))
    train = write_jsonl(tmp_path / "long.jsonl", rows)
    final = await _trained_job(service, train)
    emu.deploy("long", final.fine_tuned_model)
    stop = asyncio.Event()
    items = []
    async for item in stream_chat(
        service, "long", [{"role": "user", "content": "What is 3 plus 3?"}], stop=stop
    ):
        items.append(item)
        if len(items) == 2:
            stop.set()
    result = items[-1]
    assert isinstance(result, ChatResult)
    assert result.cancelled
    assert len(items) <= 4
    assert len(result.text) < len(rows[3]["messages"][2]["content"])


async def test_chat_with_an_unknown_deployment_is_not_found(
    service: FineTuningService,
) -> None:
    with pytest.raises(ServiceNotFoundError):
        async for _ in stream_chat(service, "nope", [{"role": "user", "content": "x"}]):
            pass


async def test_openai_kind_does_not_wait_for_file_processing(
    emu: Any, train_file: Path
) -> None:
    from ftui.core.service import Profile, ProfileKind

    profile = Profile(
        name="oai",
        kind=ProfileKind.OPENAI,
        base_url=emu.v1_base_url,
        api_key_env="FTUI_TEST_EMULATOR_KEY",
    )
    async with FineTuningService.from_profile(profile, max_retries=0) as service:
        assert not service.is_azure
        info = await service.upload_file(train_file)
        assert info.status in ("pending", "uploaded", "running", "processed")
        final = await _run_to_end(
            service,
            (
                await service.create_job(JobRequest(model=MODEL, training_file=info.id))
            ).id,
        )
    assert final.status is JobStatus.SUCCEEDED
