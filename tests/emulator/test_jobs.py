"""Fine-tuning jobs on the emulator: lifecycle, events, checkpoints, results.csv, actions."""

from __future__ import annotations

import csv
import io
import re
import time

import httpx2
import openai
import pytest
from openai import AsyncAzureOpenAI, AsyncOpenAI

from ftui.core.dataset import open_dataset
from ftui.core.emulator.server import EmulatorHandle
from ftui.core.emulator.training import RESULTS_COLUMNS
from ftui.core.tokens import count_dataset
from tests.emulator.conftest import all_events, upload, wait_job
from tests.emulator.data import (
    invalid_bytes,
    preference_bytes,
    training_bytes,
    validation_bytes,
)

MODEL = "gpt-4o-mini-2024-07-18"
FT_NAME = re.compile(r"^gpt-4o-mini-2024-07-18\.ft-[0-9a-f]{32}$")


async def _job(
    client: AsyncOpenAI,
    *,
    validation: bool = False,
    freeze: EmulatorHandle | None = None,
    **kwargs: object,
):
    """Upload the files and create a job; `freeze` stops the clock after uploading."""
    training = await upload(client, training_bytes())
    valid = (
        await upload(client, validation_bytes(), "valid.jsonl") if validation else None
    )
    if freeze is not None:
        freeze.set_speed(0)  # from here on, time moves only with advance()
    return await client.fine_tuning.jobs.create(
        model=MODEL,
        training_file=training.id,
        validation_file=valid.id if valid else openai.omit,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_lifecycle_to_succeeded(
    client: AsyncOpenAI, emulator: EmulatorHandle, tmp_path
) -> None:
    job = await _job(client, suffix="geo", seed=42, freeze=emulator)
    assert job.status == "pending"
    assert job.suffix == "geo"  # type: ignore[attr-defined]
    assert job.seed == 42
    assert job.fine_tuned_model is None
    assert job.estimated_finish is None
    # Azure shows "auto" hyperparameters as -1 (learning rate multiplier 1).
    assert job.hyperparameters.n_epochs == -1
    assert job.hyperparameters.batch_size == -1
    assert job.hyperparameters.learning_rate_multiplier == 1
    emulator.advance(30)
    running = await client.fine_tuning.jobs.retrieve(job.id)
    assert running.status == "running"
    assert running.estimated_finish is not None
    assert running.estimated_finish > time.time()
    emulator.advance(10_000)
    done = await client.fine_tuning.jobs.retrieve(job.id)
    assert done.status == "succeeded"
    assert done.fine_tuned_model is not None
    assert FT_NAME.match(done.fine_tuned_model)
    assert done.finished_at is not None
    assert done.finished_at >= done.created_at
    assert done.estimated_finish is None
    assert len(done.result_files) == 1
    # trained_tokens = ftui's own count of the file x epochs (10 examples → 10 epochs).
    path = tmp_path / "t.jsonl"
    path.write_bytes(training_bytes())
    dataset = open_dataset(path)
    per_epoch = sum(t.total for t in count_dataset(dataset, MODEL).by_row.values())
    dataset.close()
    assert done.trained_tokens == per_epoch * 10


async def test_runs_in_real_time_at_test_speed(azure: AsyncAzureOpenAI) -> None:
    job = await _job(azure)
    statuses = {job.status}
    done = await wait_job(azure, job.id)
    statuses.add(done.status)
    assert done.status == "succeeded"
    assert statuses == {"pending", "succeeded"}


async def test_events_newest_first_and_paginated(client: AsyncOpenAI) -> None:
    job = await _job(client, validation=True)
    await wait_job(client, job.id)
    events = await all_events(client, job.id, limit=7)
    ids = [e.id for e in events]
    assert len(ids) == len(set(ids))
    times = [e.created_at for e in events]
    assert times == sorted(times, reverse=True)
    messages = [e.message for e in events]
    assert messages[-1] == "Job enqueued. Waiting for jobs ahead to complete."
    assert messages[0] == "Job succeeded."
    assert "Job started." in messages
    assert any(m.startswith("Completed results file: file-") for m in messages)
    assert any(re.fullmatch(r"Training hours billed: \d+\.\d{3}", m) for m in messages)
    # One page of everything equals the pages stitched together.
    whole = await client.fine_tuning.jobs.list_events(job.id, limit=1000)
    assert [e.id for e in whole.data] == ids
    assert not whole.has_more


async def test_metrics_events(client: AsyncOpenAI) -> None:
    job = await _job(client, validation=True, seed=7)
    await wait_job(client, job.id)
    events = await all_events(client, job.id, limit=100)
    metrics = [e for e in reversed(events) if e.type == "metrics"]
    steps = [e.data["step"] for e in metrics]
    total = metrics[0].data["total_steps"]
    assert steps == list(range(1, total + 1))
    assert total == 100  # 10 examples, auto batch 1, auto epochs 10
    for event in metrics:
        assert re.match(rf"Step {event.data['step']}: training loss=", event.message)
        assert 0 < event.data["train_loss"] < 5
        assert 0 <= event.data["train_mean_token_accuracy"] <= 1
    valid = [e.data["step"] for e in metrics if "valid_loss" in e.data]
    full = [e.data["step"] for e in metrics if "full_valid_loss" in e.data]
    assert full == list(range(10, 101, 10))  # every epoch end
    assert 5 <= len(valid) < total
    # The loss goes down: last tenth well below the first tenth.
    losses = [e.data["train_loss"] for e in metrics]
    assert sum(losses[-10:]) < 0.5 * sum(losses[:10])


async def test_no_validation_metrics_without_validation_file(
    client: AsyncOpenAI,
) -> None:
    job = await _job(client)
    await wait_job(client, job.id)
    events = await all_events(client, job.id, limit=200)
    keys = set().union(*(e.data.keys() for e in events if e.type == "metrics"))
    assert not any(k.startswith(("valid", "full_valid")) for k in keys)


async def test_same_seed_same_curve(client: AsyncOpenAI) -> None:
    async def losses(seed: int) -> list[float]:
        job = await _job(client, seed=seed)
        await wait_job(client, job.id)
        events = await all_events(client, job.id, limit=200)
        return [e.data["train_loss"] for e in events if e.type == "metrics"]

    assert await losses(11) == await losses(11)
    assert await losses(11) != await losses(12)


async def test_checkpoints_last_three_epochs(client: AsyncOpenAI) -> None:
    job = await _job(client, validation=True)
    done = await wait_job(client, job.id)
    page = await client.fine_tuning.jobs.checkpoints.list(job.id)
    assert [c.step_number for c in page.data] == [100, 90, 80]
    for checkpoint in page.data:
        assert re.fullmatch(r"ftchkpt-[0-9a-f]{32}", checkpoint.id)
        assert checkpoint.fine_tuning_job_id == job.id
        assert checkpoint.fine_tuned_model_checkpoint == (
            f"{done.fine_tuned_model}:ckpt-step-{checkpoint.step_number}"
        )
        assert checkpoint.metrics.full_valid_loss is not None
        assert checkpoint.metrics.train_loss is not None
    second = await client.fine_tuning.jobs.checkpoints.list(
        job.id, limit=1, after=page.data[0].id
    )
    assert [c.step_number for c in second.data] == [90]


async def test_results_csv(client: AsyncOpenAI) -> None:
    job = await _job(client, validation=True, seed=5)
    done = await wait_job(client, job.id)
    info = await client.files.retrieve(done.result_files[0])
    assert info.purpose == "fine-tune-results"
    assert info.filename == "results.csv"
    text = (await client.files.content(done.result_files[0])).text
    assert text.splitlines()[0] == ",".join(RESULTS_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["step"]) for r in rows] == list(range(1, 101))
    assert rows[0]["full_valid_loss"] == ""  # blank cells are empty strings
    assert rows[9]["full_valid_loss"] != ""
    events = await all_events(client, job.id, limit=200)
    by_step = {e.data["step"]: e.data for e in events if e.type == "metrics"}
    for row in rows:
        data = by_step[int(row["step"])]
        assert float(row["train_loss"]) == pytest.approx(data["train_loss"], rel=1e-5)
        if row["valid_loss"]:
            assert float(row["validation_mean_token_accuracy"]) == pytest.approx(
                data["valid_mean_token_accuracy"], rel=1e-5
            )


async def test_pause_and_resume(client: AsyncOpenAI, emulator: EmulatorHandle) -> None:
    job = await _job(client, freeze=emulator)
    with pytest.raises(openai.BadRequestError):
        await client.fine_tuning.jobs.pause(job.id)  # still pending
    emulator.advance(50)  # queue 10 s + setup 15 s, then some steps
    paused = await client.fine_tuning.jobs.pause(job.id)
    assert paused.status == "pausing"
    assert paused.estimated_finish is None
    emulator.advance(5)
    assert (await client.fine_tuning.jobs.retrieve(job.id)).status == "pausing"
    emulator.advance(10)
    assert (await client.fine_tuning.jobs.retrieve(job.id)).status == "paused"
    steps_at_pause = len(
        [e for e in await all_events(client, job.id, 200) if e.type == "metrics"]
    )
    emulator.advance(1000)  # nothing trains while paused
    still = await client.fine_tuning.jobs.retrieve(job.id)
    assert still.status == "paused"
    events = await all_events(client, job.id, 200)
    assert len([e for e in events if e.type == "metrics"]) == steps_at_pause
    # Pausing leaves a deployable checkpoint at the current step.
    checkpoints = await client.fine_tuning.jobs.checkpoints.list(job.id)
    assert checkpoints.data[0].step_number == steps_at_pause
    resumed = await client.fine_tuning.jobs.resume(job.id)
    assert resumed.status == "resuming"
    with pytest.raises(openai.BadRequestError):
        await client.fine_tuning.jobs.resume(job.id)
    emulator.advance(11)
    assert (await client.fine_tuning.jobs.retrieve(job.id)).status == "running"
    emulator.advance(10_000)
    done = await client.fine_tuning.jobs.retrieve(job.id)
    assert done.status == "succeeded"
    steps = [
        e.data["step"]
        for e in await all_events(client, job.id, 300)
        if e.type == "metrics"
    ]
    assert sorted(steps) == list(range(1, 101))  # no step lost or repeated


async def test_cancel(client: AsyncOpenAI, emulator: EmulatorHandle) -> None:
    job = await _job(client, freeze=emulator)
    emulator.advance(40)
    cancelled = await client.fine_tuning.jobs.cancel(job.id)
    assert cancelled.status == "cancelled"
    assert cancelled.finished_at is not None
    emulator.advance(10_000)
    after = await client.fine_tuning.jobs.retrieve(job.id)
    assert after.status == "cancelled"
    assert after.fine_tuned_model is None
    assert (await client.fine_tuning.jobs.list_events(job.id)).data[0].message == (
        "Job cancelled."
    )
    with pytest.raises(openai.BadRequestError) as info:
        await client.fine_tuning.jobs.cancel(job.id)
    assert info.value.code == "unexpectedEntityState"


async def test_invalid_training_file_fails_the_job(client: AsyncOpenAI) -> None:
    bad = await upload(client, invalid_bytes())
    job = await client.fine_tuning.jobs.create(model=MODEL, training_file=bad.id)
    done = await wait_job(client, job.id)
    assert done.status == "failed"
    assert done.error is not None
    assert done.error.param == "training_file"
    assert "asistant" in done.error.message
    events = await all_events(client, job.id)
    assert events[0].level == "error"


async def test_list_jobs_paginates(client: AsyncOpenAI) -> None:
    training = await upload(client, training_bytes())
    ids = [
        (
            await client.fine_tuning.jobs.create(model=MODEL, training_file=training.id)
        ).id
        for _ in range(5)
    ]
    first = await client.fine_tuning.jobs.list(limit=2)
    assert [j.id for j in first.data] == [ids[4], ids[3]]
    assert first.has_more
    seen = [j.id async for j in client.fine_tuning.jobs.list(limit=2)]
    assert seen == list(reversed(ids))


async def test_method_hyperparameters_and_training_type(client: AsyncOpenAI) -> None:
    job = await _job(
        client,
        method={
            "type": "supervised",
            "supervised": {"hyperparameters": {"n_epochs": 2, "batch_size": 4}},
        },
        extra_body={"trainingType": "GlobalStandard"},
    )
    assert job.hyperparameters.n_epochs == 2
    assert job.method is not None
    assert job.method.type == "supervised"
    assert job.model_extra is not None
    assert job.model_extra["trainingType"] == "GlobalStandard"
    await wait_job(client, job.id)
    events = await all_events(client, job.id, 100)
    metrics = [e for e in events if e.type == "metrics"]
    assert len(metrics) == 2 * 3  # ceil(10 / 4) steps per epoch x 2 epochs


async def test_dpo_job(client: AsyncOpenAI) -> None:
    training = await upload(client, preference_bytes())
    job = await client.fine_tuning.jobs.create(
        model="gpt-4.1-mini-2025-04-14",
        training_file=training.id,
        method={
            "type": "dpo",
            "dpo": {"hyperparameters": {"beta": 0.1, "n_epochs": 1}},
        },
    )
    assert job.method is not None
    assert job.method.dpo is not None
    done = await wait_job(client, job.id)
    assert done.status == "succeeded"
    assert done.fine_tuned_model.startswith("gpt-4.1-mini-2025-04-14.ft-")


async def test_dpo_on_chat_file_fails(client: AsyncOpenAI) -> None:
    training = await upload(client, training_bytes())
    job = await client.fine_tuning.jobs.create(
        model=MODEL, training_file=training.id, method={"type": "dpo"}
    )
    done = await wait_job(client, job.id)
    assert done.status == "failed"
    assert "preference" in done.error.message


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"model": "not-a-model"}, "model"),
        ({"training_file": "file-doesnotexist"}, "training_file"),
        ({"suffix": "has spaces"}, "suffix"),
        ({"hyperparameters": {"n_epochs": 0}}, "n_epochs"),
        ({"extra_body": {"trainingType": "Premium"}}, "trainingType"),
    ],
)
async def test_create_rejects_bad_parameters(
    azure: AsyncAzureOpenAI, changes: dict[str, object], param: str
) -> None:
    training = await upload(azure, training_bytes())
    arguments: dict[str, object] = {"model": MODEL, "training_file": training.id}
    arguments.update(changes)
    with pytest.raises(openai.BadRequestError) as info:
        await azure.fine_tuning.jobs.create(**arguments)  # type: ignore[arg-type]
    assert info.value.param == param
    assert (await azure.fine_tuning.jobs.list()).data == []


async def test_delete_finished_job(azure: AsyncAzureOpenAI) -> None:
    job = await _job(azure)
    with pytest.raises(openai.BadRequestError):
        await azure.delete(f"/fine_tuning/jobs/{job.id}", cast_to=httpx2.Response)
    await wait_job(azure, job.id)
    response = await azure.delete(
        f"/fine_tuning/jobs/{job.id}", cast_to=httpx2.Response
    )
    assert response.status_code == 204
    with pytest.raises(openai.NotFoundError):
        await azure.fine_tuning.jobs.retrieve(job.id)


async def test_pause_needs_a_recent_api_version(emulator: EmulatorHandle) -> None:
    async with AsyncAzureOpenAI(
        azure_endpoint=emulator.azure_endpoint,
        api_key=emulator.api_key,
        api_version="2024-10-21",  # the GA version: no pause/resume yet
        max_retries=0,
    ) as old:
        job = await _job(old, freeze=emulator)
        emulator.advance(60)
        with pytest.raises(openai.NotFoundError):
            await old.fine_tuning.jobs.pause(job.id)
        assert (await old.fine_tuning.jobs.retrieve(job.id)).status == "running"


async def test_legacy_hyperparameters(client: AsyncOpenAI) -> None:
    job = await _job(
        client,
        hyperparameters={
            "n_epochs": 2,
            "batch_size": 5,
            "learning_rate_multiplier": 0.1,
        },
    )
    assert job.hyperparameters.n_epochs == 2
    assert job.hyperparameters.batch_size == 5
    assert job.hyperparameters.learning_rate_multiplier == pytest.approx(0.1)
    await wait_job(client, job.id)
    events = await all_events(client, job.id, 100)
    assert [e.data["step"] for e in events if e.type == "metrics"] == [4, 3, 2, 1]


async def test_dpo_beta_is_echoed(client: AsyncOpenAI) -> None:
    training = await upload(client, preference_bytes())
    job = await client.fine_tuning.jobs.create(
        model="gpt-4.1-mini-2025-04-14",
        training_file=training.id,
        method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.25}}},
    )
    assert job.method is not None
    assert job.method.dpo is not None
    assert job.method.dpo.hyperparameters is not None
    assert job.method.dpo.hyperparameters.beta == pytest.approx(0.25)
    assert job.method.dpo.hyperparameters.n_epochs == -1


async def test_timestamps_follow_the_wall_clock(azure: AsyncAzureOpenAI) -> None:
    before = int(time.time())
    job = await _job(azure)
    assert before <= job.created_at <= time.time() + 1
    done = await wait_job(azure, job.id)
    after = time.time()
    assert job.created_at <= done.finished_at <= after + 1
    events = await all_events(azure, job.id, 300)
    assert all(before <= e.created_at <= after + 1 for e in events)
    # Durations are compressed; the bill is in simulated time (about 2 minutes).
    billed = next(e.message for e in events if e.message.startswith("Training hours"))
    hours = float(billed.rsplit(" ", 1)[1])
    assert hours * 3600 > 60 > done.finished_at - done.created_at


async def test_metadata_is_echoed_and_filters_the_list(client: AsyncOpenAI) -> None:
    training = await upload(client, training_bytes())
    tagged = await client.fine_tuning.jobs.create(
        model=MODEL, training_file=training.id, metadata={"team": "geo", "run": "1"}
    )
    await client.fine_tuning.jobs.create(model=MODEL, training_file=training.id)
    assert tagged.metadata == {"team": "geo", "run": "1"}
    found = await client.fine_tuning.jobs.list(metadata={"team": "geo"})
    assert [j.id for j in found.data] == [tagged.id]
    none = await client.fine_tuning.jobs.list(metadata={"team": "other"})
    assert none.data == []
    with pytest.raises(openai.BadRequestError) as info:
        await client.fine_tuning.jobs.create(
            model=MODEL,
            training_file=training.id,
            metadata={f"k{i}": "v" for i in range(17)},
        )
    assert info.value.param == "metadata"
