"""`ftui jobs list|show|follow|submit|cancel|pause|resume`: jobs without the UI.

Exit status: 0 success; 1 `follow` saw the job fail or get cancelled, or
`submit` was declined; 2 bad arguments, configuration, data or service errors
(printed as one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

from ftui.tui.cli.service_support import (
    add_profile_option,
    clean,
    emit_json,
    format_time,
    open_service,
    run_async,
)

if TYPE_CHECKING:
    from pathlib import Path

    from ftui.core.cost import CostEstimate
    from ftui.core.service import (
        FineTuningService,
        FollowUpdate,
        JobDetail,
        JobEvent,
        JobInfo,
    )

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `jobs` subcommand and its actions."""
    parser = subparsers.add_parser(
        "jobs",
        help="list, show, follow, submit, cancel, pause and resume fine-tuning jobs",
        description="Fine-tuning jobs on Azure OpenAI or OpenAI, without the UI.",
    )
    actions = parser.add_subparsers(dest="jobs_action", metavar="ACTION", required=True)

    p = actions.add_parser("list", help="list jobs, newest first")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.add_argument("--limit", type=int, metavar="N", help="at most N jobs")
    add_profile_option(p)

    p = actions.add_parser(
        "show", help="a job with its metrics series, checkpoints and last events"
    )
    p.add_argument("job_id", metavar="ID")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--events", type=int, default=20, metavar="N", help="last N events (20)"
    )
    add_profile_option(p)

    p = actions.add_parser(
        "follow",
        help="print events as they arrive until the job ends "
        "(exit 0 succeeded, 1 failed/cancelled)",
    )
    p.add_argument("job_id", metavar="ID")
    p.add_argument("--ndjson", action="store_true", help="one JSON object per line")
    p.add_argument(
        "--interval",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds between polls",
    )
    p.add_argument(
        "--since", metavar="EVENT_ID", help="resume: only events after this one"
    )
    add_profile_option(p)

    p = actions.add_parser(
        "submit",
        help="validate, estimate the cost, upload and start a fine-tuning job",
    )
    p.add_argument("file", metavar="FILE", help="training JSONL")
    p.add_argument("--model", required=True, metavar="M", help="base model")
    p.add_argument("--validation", metavar="F", help="validation JSONL")
    p.add_argument("--suffix", metavar="S", help="suffix of the fine-tuned model name")
    p.add_argument("--epochs", type=int, metavar="N", help="n_epochs (default auto)")
    p.add_argument("--seed", type=int, metavar="N")
    p.add_argument("--batch-size", type=int, metavar="N")
    p.add_argument("--lr-multiplier", type=float, metavar="X")
    p.add_argument("--method", choices=("supervised", "dpo"), default="supervised")
    p.add_argument("--beta", type=float, metavar="X", help="DPO beta")
    p.add_argument(
        "--training-type",
        metavar="T",
        help="Azure trainingType: Standard, GlobalStandard or Developer",
    )
    p.add_argument(
        "--force", action="store_true", help="upload even if validation finds errors"
    )
    p.add_argument("--yes", "-y", action="store_true", help="do not ask to confirm")
    p.add_argument("--json", action="store_true", help="print the created job as JSON")
    add_profile_option(p)

    for name, text in (
        ("cancel", "cancel a job"),
        ("pause", "pause a running job"),
        ("resume", "resume a paused job"),
    ):
        p = actions.add_parser(name, help=text)
        p.add_argument("job_id", metavar="ID")
        p.add_argument("--json", action="store_true", help="print the job as JSON")
        add_profile_option(p)

    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch `ftui jobs ACTION`; returns the exit code."""
    action = args.jobs_action
    if action == "submit":
        return _submit(args)
    _profile, service = open_service(args.profile)
    handlers = {
        "list": _list,
        "show": _show,
        "follow": _follow,
        "cancel": _change,
        "pause": _change,
        "resume": _change,
    }
    handler = handlers[action]

    async def main() -> int:
        async with service:
            return await handler(service, args)

    return run_async(main)


# ----------------------------------------------------------------------- output


def _job_json(job: JobInfo) -> dict[str, Any]:
    return job.model_dump(mode="json")


def _job_table(jobs: list[JobInfo]) -> list[str]:
    """Jobs as aligned text columns sized to their content."""
    rows = [("ID", "STATUS", "MODEL", "FINE-TUNED MODEL", "CREATED (UTC)")]
    rows += [
        (
            clean(job.id),
            clean(job.status),
            clean(job.model),
            clean(job.fine_tuned_model or "-"),
            format_time(job.created_at),
        )
        for job in jobs
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[4]
        for row in rows
    ]


def _event_line(event: JobEvent) -> str:
    when = format_time(event.created_at)
    return f"{when}  {clean(event.level):<7} {clean(event.message)}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _fmt(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# ---------------------------------------------------------------------- actions


async def _list(service: FineTuningService, args: argparse.Namespace) -> int:
    jobs = await service.list_jobs(limit=args.limit)
    if args.json:
        emit_json([_job_json(j) for j in jobs])
        return 0
    if not jobs:
        print("no fine-tuning jobs")
        return 0
    for line in _job_table(jobs):
        print(line)
    return 0


def _detail_json(detail: JobDetail) -> dict[str, Any]:
    return {
        "job": _job_json(detail.job),
        "metrics": detail.metrics.model_dump(mode="json"),
        "checkpoints": [c.model_dump(mode="json") for c in detail.checkpoints],
        "events": [e.model_dump(mode="json") for e in detail.events],
        "warnings": list(detail.warnings),
    }


async def _show(service: FineTuningService, args: argparse.Namespace) -> int:
    detail = await service.get_job_detail(args.job_id, last_events=args.events)
    if args.json:
        emit_json(_detail_json(detail))
        return 0
    job = detail.job
    hp = job.hyperparameters
    rows = [
        ("id", job.id),
        ("status", job.status),
        ("model", job.model),
        ("fine-tuned model", job.fine_tuned_model or "-"),
        ("method", job.method or "-"),
        ("training file", job.training_file or "-"),
        ("validation file", job.validation_file or "-"),
        (
            "hyperparameters",
            f"n_epochs={hp.n_epochs or 'auto'} batch_size={hp.batch_size or 'auto'} "
            f"lr_multiplier={hp.learning_rate_multiplier or 'auto'}"
            + (f" beta={hp.beta}" if hp.beta is not None else ""),
        ),
        ("seed", job.seed if job.seed is not None else "-"),
        (
            "trained tokens",
            job.trained_tokens if job.trained_tokens is not None else "-",
        ),
        ("created", format_time(job.created_at)),
        ("finished", format_time(job.finished_at)),
        ("result files", ", ".join(job.result_files) or "-"),
    ]
    if job.error is not None:
        rows.append(
            ("error", f"{job.error.code or ''} {job.error.message or ''}".strip())
        )
    for key, value in rows:
        print(f"{key:<17} {clean(value)}")
    series = detail.metrics
    print()
    total = f" of {series.total_steps}" if series.total_steps else ""
    sources = ", ".join(series.sources) or "none yet"
    print(f"metrics: {len(series.points)} steps{total} (from {sources})")
    if series.points:
        print(
            f"  {'STEP':>6} {'TRAIN LOSS':>11} {'TRAIN ACC':>10} {'VALID LOSS':>11} "
            f"{'VALID ACC':>10} {'FULL VALID':>11}"
        )
        points = series.points
        shown = points if len(points) <= 12 else (*points[:5], None, *points[-6:])
        for point in shown:
            if point is None:
                print(f"  {'…':>6}")
                continue
            print(
                f"  {point.step:>6} {_fmt(point.train_loss):>11} "
                f"{_fmt(point.train_accuracy, 3):>10} {_fmt(point.valid_loss):>11} "
                f"{_fmt(point.valid_accuracy, 3):>10} {_fmt(point.full_valid_loss):>11}"
            )
    print()
    print(f"checkpoints: {len(detail.checkpoints)}")
    for ckpt in detail.checkpoints:
        loss = _fmt(ckpt.metrics.train_loss) if ckpt.metrics else "-"
        print(
            f"  step {ckpt.step_number:>6}  "
            f"{clean(ckpt.fine_tuned_model_checkpoint or ckpt.id)}"
            f"  train loss {loss}"
        )
    print()
    print(f"last {len(detail.events)} events:")
    for event in detail.events:
        print("  " + _event_line(event))
    for warning in detail.warnings:
        print(f"ftui: note: {clean(warning)}", file=sys.stderr)
    return 0


def _print_update(
    update: FollowUpdate,
    args: argparse.Namespace,
    last_status: str | None,
    job: JobInfo | None,
) -> tuple[str | None, JobInfo | None]:
    """Print one follow update; returns the new (last status, job)."""
    if update.state == "reconnecting":
        if args.ndjson:
            emit_json(
                {
                    "type": "reconnecting",
                    "error": update.error,
                    "retry_in": update.retry_in,
                    "attempt": update.attempt,
                },
                indent=None,
            )
        else:
            print(
                f"ftui: reconnecting (attempt {update.attempt}, next try in "
                f"{update.retry_in or 0:.1f}s): {clean(update.error)}",
                file=sys.stderr,
                flush=True,
            )
        return last_status, job
    job = update.job
    for event in update.events:
        if args.ndjson:
            emit_json(
                {"type": "event", "event": event.model_dump(mode="json")},
                indent=None,
            )
        else:
            print(_event_line(event), flush=True)
    if job is not None and job.status != last_status:
        last_status = job.status
        if args.ndjson:
            emit_json({"type": "status", "job": _job_json(job)}, indent=None)
        else:
            print(f"-- status: {clean(job.status)}", flush=True)
    return last_status, job


async def _follow(service: FineTuningService, args: argparse.Namespace) -> int:
    from ftui.core.service import JobStatus, follow_job

    last_status: str | None = None
    job: JobInfo | None = None
    resume_from: str | None = args.since
    try:
        async for update in follow_job(
            service, args.job_id, interval=args.interval, since_event_id=args.since
        ):
            resume_from = update.last_event_id
            last_status, job = _print_update(update, args, last_status, job)
    except asyncio.CancelledError:  # Ctrl-C: say how to pick up where we left off
        if resume_from:
            print(
                f"ftui: stopped; resume with: ftui jobs follow {clean(args.job_id)} "
                f"--since {clean(resume_from)}",
                file=sys.stderr,
            )
        raise
    if job is None:  # pragma: no cover - follow_job always yields a snapshot first
        return 2
    if not args.ndjson:
        if job.status is JobStatus.SUCCEEDED:
            print(
                f"job {clean(job.id)} succeeded: {clean(job.fine_tuned_model or '-')}"
            )
        else:
            reason = (
                f": {clean(job.error.message)}"
                if job.error and job.error.message
                else ""
            )
            print(f"job {clean(job.id)} {clean(job.status)}{reason}")
    return 0 if job.status is JobStatus.SUCCEEDED else 1


async def _change(service: FineTuningService, args: argparse.Namespace) -> int:
    action = args.jobs_action
    method = {
        "cancel": service.cancel_job,
        "pause": service.pause_job,
        "resume": service.resume_job,
    }[action]
    job = await method(args.job_id)
    if args.json:
        emit_json(_job_json(job))
    else:
        print(f"{clean(job.id)}: {clean(job.status)}")
    return 0


# ----------------------------------------------------------------------- submit


def _check_file(path: Path, label: str, force: bool) -> Any:
    """Open and validate one file; returns it. Raises on errors unless forced."""
    from ftui.core.dataset import open_dataset
    from ftui.core.service import UploadRefusedError

    dataset = open_dataset(path)
    try:
        from ftui.core.validation import validate_dataset
    except ModuleNotFoundError:  # pragma: no cover - validation ships with ftui
        return dataset
    report = validate_dataset(dataset, file_size=path.stat().st_size)
    print(
        f"{label} {clean(path)}: {_count(report.examples, 'example')}, "
        f"{_count(report.errors, 'error')}, {_count(report.warnings, 'warning')}",
        file=sys.stderr,
    )
    if report.errors:
        first = [i for i in report.issues if str(i.severity) == "error"][:5]
        for issue in first:
            where = f"line {issue.line}: " if issue.line else ""
            print(f"  error: {where}{clean(issue.message)}", file=sys.stderr)
        if not force:
            raise UploadRefusedError(
                f"{path.name} has {report.errors} validation error(s); fix them "
                f"(`ftui validate {path}`) or pass --force",
                report.errors,
            )
    return dataset


_TIERS = {"standard": "standard", "globalstandard": "global", "global": "global"}


def _estimate(
    dataset: Any,
    model: str,
    epochs: int | None,
    azure: bool,
    training_type: str | None = None,
) -> CostEstimate | None:
    """The cost estimate, or None with a note on stderr when it cannot be made."""
    from ftui.core.errors import FtuiError

    try:
        from ftui.core.cost import estimate_cost
        from ftui.core.model_table import load_model_table
        from ftui.core.tokens import count_dataset
    except ModuleNotFoundError as exc:  # pragma: no cover - these ship with ftui
        print(f"ftui: no cost estimate ({exc})", file=sys.stderr)
        return None
    try:
        info = load_model_table().lookup(model)
        counts = count_dataset(dataset, info)
        if counts.warning:
            print(f"ftui: note: {clean(counts.warning)}", file=sys.stderr)
        return estimate_cost(
            [c.total for c in counts.by_row.values()],
            info,
            epochs=epochs if epochs is not None else "auto",
            provider="azure" if azure else "openai",
            tier=_tier(training_type),
        )
    except FtuiError as exc:
        print(f"ftui: no cost estimate: {clean(exc)}", file=sys.stderr)
        return None


def _service_model_name(name: str) -> str:
    """The model name to send when creating a job.

    An alias (`gpt-4o-mini`) becomes the dated snapshot the estimate was priced
    for, which is also the form Azure expects; fine-tuned names (continued
    fine-tuning) and models ftui does not know are sent as typed.
    """
    from ftui.core.errors import FtuiError
    from ftui.core.model_table import base_model_name, load_model_table

    if base_model_name(name) != name.strip():
        return name
    try:
        return load_model_table().lookup(name).id
    except FtuiError:
        return name


def _tier(training_type: str | None) -> str:
    """Azure `trainingType` (any documented casing) → the price table's tier."""
    key = (training_type or "standard").lower().replace("_", "")
    if key.startswith("developer"):
        return "developer"
    return _TIERS.get(key, "standard")


def _print_estimate(est: CostEstimate, out: Any) -> None:
    def print(*parts: Any) -> None:
        out.write(" ".join(str(p) for p in parts) + "\n")

    auto = " (auto)" if est.epochs_auto else ""
    print(f"model            {clean(est.model)} ({est.provider})")
    print(f"examples         {est.examples:,} ({est.total_tokens:,} tokens)")
    if est.over_limit:
        print(
            f"over context     {est.over_limit} example(s) longer than "
            f"{est.training_context:,} tokens (truncated by the service)"
        )
    print(f"epochs           {est.epochs}{auto}")
    print(f"billed tokens    {est.billed_tokens:,}")
    if est.cost_usd is None:
        print("estimated cost   unknown (no training price for this model)")
    else:
        flag = " (price uncertain)" if est.price_uncertain else ""
        print(
            f"estimated cost   ${est.cost_usd:,.2f} at ${est.price_per_million:g}/1M "
            f"tokens{flag}"
        )
    if est.hosting_per_hour is not None:
        print(
            f"hosting          ${est.hosting_per_hour:.2f}/hour once deployed "
            f"(${est.hosting_per_month or 0:,.0f}/month)"
        )


def _confirm(assume_yes: bool) -> bool:
    from ftui.core.errors import FtuiError

    if assume_yes:
        return True
    if sys.stdin is None or not sys.stdin.isatty():
        raise FtuiError(
            "refusing to submit without confirmation: no terminal to ask on; "
            "pass --yes to submit anyway"
        )
    try:
        answer = input("Submit this fine-tuning job? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _submit(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ftui.core.errors import ConfigError
    from ftui.core.service import JobRequest, resolve_profile

    profile = resolve_profile(args.profile)  # fail early, before counting tokens
    train_path = Path(args.file)
    valid_path = Path(args.validation) if args.validation else None
    dataset = _check_file(train_path, "training", args.force)
    if valid_path is not None:
        _check_file(valid_path, "validation", args.force)
    if args.epochs is not None and not 1 <= args.epochs <= 50:
        raise ConfigError(f"--epochs must be 1-50, not {args.epochs}")
    estimate = _estimate(
        dataset, args.model, args.epochs, profile.is_azure, args.training_type
    )
    out = sys.stderr if args.json else sys.stdout
    if estimate is not None:
        _print_estimate(estimate, out)
    out.write(
        f"profile          {clean(profile.name)} ({profile.kind}, "
        f"{clean(profile.url)})\n"
    )
    out.flush()
    if not _confirm(args.yes):
        print("not submitted")
        return 1

    from ftui.core.service import FineTuningService

    service = FineTuningService.from_profile(profile)

    def progress(label: str) -> Any:
        def report(sent: int, total: int) -> None:
            pct = 100 * sent // total if total else 100
            end = "\n" if sent >= total else ""  # a retry or an error starts anew
            print(
                f"\ruploading {label}: {pct:3d}%", end=end, file=sys.stderr, flush=True
            )

        return report

    async def main() -> JobInfo:
        async with service:
            training = await service.upload_file(
                train_path, progress=progress(train_path.name), validate=False
            )
            print(
                f"uploaded {clean(train_path.name)} as {clean(training.id)} "
                f"({clean(training.status or 'uploaded')})",
                file=sys.stderr,
            )
            validation_id = None
            if valid_path is not None:
                validation = await service.upload_file(
                    valid_path, progress=progress(valid_path.name), validate=False
                )
                validation_id = validation.id
                print(
                    f"uploaded {clean(valid_path.name)} as {clean(validation.id)}",
                    file=sys.stderr,
                )
            request = JobRequest(
                model=_service_model_name(args.model),
                training_file=training.id,
                validation_file=validation_id,
                suffix=args.suffix,
                seed=args.seed,
                method=args.method,
                n_epochs=args.epochs,
                batch_size=args.batch_size,
                learning_rate_multiplier=args.lr_multiplier,
                beta=args.beta,
                training_type=args.training_type,
            )
            return await service.create_job(request)

    job = run_async(main)
    if args.json:
        emit_json(_job_json(job))
    else:
        print(f"created job {clean(job.id)} ({clean(job.status)})")
        print(f"follow it with: ftui jobs follow {clean(job.id)}")
    return 0
