"""`ftui estimate`: JSON shape and values, human output, exit codes, config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import tiktoken
import tiktoken.load
import tiktoken.registry

from ftui.core import tokens
from ftui.core.paths import config_file
from ftui.tui.cli import main
from ftui.tui.cli.estimate import histogram, token_stats
from tests.conftest import shared_dataset

REQUIRED = {
    "model",
    "encoding",
    "exact",
    "examples",
    "total_tokens",
    "trained_tokens",
    "billed_tokens_per_epoch",
    "epochs",
    "billed_tokens",
    "price_per_million",
    "cost_usd",
    "over_limit_lines",
    "token_stats",
}
O200K = tiktoken.get_encoding("o200k_base")


def cookbook(messages: list[dict[str, str]]) -> int:
    return sum(3 + sum(len(O200K.encode(v)) for v in m.values()) for m in messages) + 3


def rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            "messages": [
                {"role": "system", "content": "You label support tickets."},
                {
                    "role": "user",
                    "content": f"Ticket {i}: " + "my printer is on fire " * (i % 4 + 1),
                },
                {"role": "assistant", "content": f"hardware/{i}"},
            ]
        }
        for i in range(count)
    ]


@pytest.fixture
def dataset_file(tmp_path: Path) -> Path:
    lines = [json.dumps(r) for r in rows(12)]
    lines[3:3] = ["{broken", ""]  # physical lines 4 (invalid) and 5 (blank)
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["estimate", *args, "--json"]) == 0
    return dict(json.loads(capsys.readouterr().out))


def write_config(text: str) -> None:
    config_file().parent.mkdir(parents=True, exist_ok=True)
    config_file().write_text(text, encoding="utf-8")


def test_json_shape_and_values(
    dataset_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = run_json(capsys, str(dataset_file))
    assert set(document) >= REQUIRED
    totals = [cookbook(r["messages"]) for r in rows(12)]
    assert document["model"] == "gpt-4o-mini-2024-07-18"
    assert document["encoding"] == "o200k_base"
    assert document["exact"] is True
    assert document["examples"] == 12
    assert document["total_tokens"] == sum(totals)
    assert document["trained_tokens"] == sum(
        len(O200K.encode(f"hardware/{i}")) for i in range(12)
    )
    assert document["billed_tokens_per_epoch"] == sum(totals)
    assert document["epochs"] == 8  # 100 // 12
    assert document["billed_tokens"] == sum(totals) * 8
    assert document["price_per_million"] == 3.0
    assert document["cost_usd"] == pytest.approx(sum(totals) * 8 * 3.0 / 1e6)
    assert document["over_limit_lines"] == []
    assert set(document["token_stats"]) == {
        "min",
        "max",
        "mean",
        "median",
        "p10",
        "p90",
    }
    assert document["token_stats"]["min"] == min(totals)
    assert document["token_stats"]["max"] == max(totals)
    assert document["invalid_lines"] == 1
    assert document["blank_lines"] == 1
    assert document["price_uncertain"] is False
    assert document["hosting"] is None


def test_azure_tier_epochs_and_hosting(
    dataset_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = run_json(
        capsys,
        str(dataset_file),
        "--provider",
        "azure",
        "--tier",
        "global",
        "--epochs",
        "2",
    )
    assert (document["provider"], document["tier"], document["epochs"]) == (
        "azure",
        "global",
        2,
    )
    assert document["price_uncertain"] is True
    assert document["price_per_million"] == 2.4
    assert document["hosting"] == {
        "per_hour": 1.7,
        "per_day": 40.8,
        "per_month": 1224.0,
        "uncertain": False,
    }


def test_over_limit_lines_use_physical_line_numbers(
    dataset_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config('[models."gpt-4o-mini"]\ntraining_context = 30\n')
    document = run_json(capsys, str(dataset_file))
    totals = [cookbook(r["messages"]) for r in rows(12)]
    # rows 0-2 are lines 1-3; rows 3.. follow the invalid and blank lines (+2)
    expected = [i + 1 + (2 if i >= 3 else 0) for i, t in enumerate(totals) if t > 30]
    assert expected
    assert document["over_limit_lines"] == expected
    assert document["billed_tokens_per_epoch"] == sum(min(30, t) for t in totals)


def test_default_model_from_config(
    dataset_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config('[defaults]\nmodel = "gpt-35-turbo"\n')
    document = run_json(capsys, str(dataset_file))
    assert (document["model"], document["encoding"]) == (
        "gpt-3.5-turbo-0125",
        "cl100k_base",
    )
    document = run_json(
        capsys, str(dataset_file), "--model", "ft:gpt-4.1-nano-2025-04-14:o::x"
    )
    assert (document["model"], document["encoding"]) == (
        "gpt-4.1-nano-2025-04-14",
        "o200k_base",
    )


def test_human_output(dataset_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", str(dataset_file), "--provider", "azure"]) == 0
    out = capsys.readouterr().out
    assert "gpt-4o-mini-2024-07-18" in out
    assert "1 invalid or unrecognised line skipped" in out
    assert "(uncertain)" in out
    assert "source: assumed" in out
    assert "/hour while deployed" in out
    assert "#" in out  # the histogram
    assert "estimated" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/no/such/file.jsonl"], "no such file"),
        (["{tmp}"], "folder"),
        (["{file}", "--model", "llama-3"], "unknown model"),
        (["{file}", "--epochs", "0"], "epochs"),
        (["{file}", "--epochs", "many"], "epochs"),
    ],
)
def test_errors_exit_2(
    args: list[str],
    message: str,
    dataset_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = [a.format(tmp=dataset_file.parent, file=dataset_file) for a in args]
    assert main(["estimate", *argv]) == 2
    assert message in capsys.readouterr().err


def test_bad_config_exits_2(
    dataset_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config("[models\n")
    assert main(["estimate", str(dataset_file)]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_bad_tier_is_an_argument_error(dataset_file: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["estimate", str(dataset_file), "--tier", "gold"])
    assert exit_info.value.code == 2


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    document = run_json(capsys, str(empty))
    assert document["examples"] == 0
    assert document["cost_usd"] == 0
    assert document["token_stats"]["min"] is None
    assert main(["estimate", str(empty)]) == 0
    assert "no examples" in capsys.readouterr().out


def test_offline_marks_everything_estimated(
    dataset_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    def no_network(blobpath: str) -> bytes:
        raise ConnectionError("network is off in this test")

    empty = tmp_path / "empty-tiktoken"
    empty.mkdir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(empty))
    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    tokens.reset_counters()
    try:
        assert main(["estimate", str(dataset_file), "--json"]) == 0
        captured = capsys.readouterr()
        assert json.loads(captured.out)["exact"] is False
        assert captured.err.count("TIKTOKEN_CACHE_DIR") == 1
        assert main(["estimate", str(dataset_file)]) == 0
        out = capsys.readouterr().out
        assert "(estimated)" in out
        assert "~" in out
    finally:
        tokens.reset_counters()


def test_token_stats_and_histogram_helpers() -> None:
    stats = token_stats([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    assert stats == {
        "min": 10,
        "max": 100,
        "mean": 55,
        "median": 55,
        "p10": 19,
        "p90": 91,
    }
    lines = histogram([5, 5, 5, 9])
    assert sum(int(line.split()[-1]) for line in lines) == 4
    assert histogram([]) == []
    assert len(histogram([7] * 3)) == 1


def test_shared_tutorial_file(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_dataset("azure_docs_tutorial_training_set.jsonl")
    document = run_json(capsys, str(path))
    assert (
        document["total_tokens"],
        document["epochs"],
        document["billed_tokens"],
    ) == (498, 10, 4980)
    assert document["token_stats"]["median"] == 48.5


def test_histogram_uses_log_bins_for_skewed_totals() -> None:
    lines = histogram([135] * 5 + [150, 72_960])
    counts = [int(line.split()[-1]) for line in lines]
    assert sum(counts) == 7
    assert len(lines) <= 10
    assert counts[0] == 6  # 135-150 share the first bin
    assert counts[-1] == 1
    assert "72,960" in lines[-1]


def test_help_and_light_import(capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess
    import sys

    with pytest.raises(SystemExit) as exit_info:
        main(["estimate", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--model", "--epochs", "--provider", "--tier", "--json"):
        assert option in out
    code = (
        "import sys, ftui.tui.cli.estimate\n"
        "print(','.join(m for m in ('tiktoken', 'numpy', 'orjson') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == ""
