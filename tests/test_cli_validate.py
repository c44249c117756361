"""`ftui validate`: exit codes, human and JSON output, --model token checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ftui.tui.cli import main
from tests.conftest import BROKEN_DATASET, EXAMPLE_DATASET, shared_dataset

SYS = {"role": "system", "content": "You code clinical notes."}
ANSWER = {"role": "assistant", "content": "I10 - Essential hypertension."}


def example(i: int) -> dict[str, Any]:
    return {"messages": [SYS, {"role": "user", "content": f"Note {i}."}, ANSWER]}


def write(tmp_path: Path, *rows: Any, name: str = "data.jsonl") -> Path:
    lines = [r if isinstance(r, bytes) else json.dumps(r).encode() for r in rows]
    path = tmp_path / name
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["validate", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_clean_file_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, *(example(i) for i in range(10)))
    code, out, _ = run(capsys, str(path))
    assert code == 0
    assert "format: chat" in out
    assert "valid examples: 10" in out
    assert "0 errors, 0 warnings" in out
    assert "no issues found" in out


def test_warnings_only_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, *(example(i) for i in range(10)), example(3))
    code, out, _ = run(capsys, str(path))
    assert code == 0
    assert "line 11  warning  duplicate_example: exact duplicate of line 4" in out


def test_errors_exit_1_with_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_role = {"messages": [SYS, {"role": "usr", "content": "x"}, ANSWER]}
    path = write(tmp_path, *(example(i) for i in range(10)), b"{cut", bad_role)
    code, out, _ = run(capsys, str(path))
    assert code == 1
    lines = out.splitlines()
    assert any(line.startswith("line 11  error    invalid_json: ") for line in lines)
    assert any(
        line.startswith("line 12  error    messages[1].role  unrecognized_role: ")
        for line in lines
    )
    assert "2 errors, 0 warnings" in out
    assert "by rule: invalid_json (error) x1, unrecognized_role (error) x1" in out


def test_issues_sorted_by_line_file_level_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, example(0), b"", b"[]", example(1))
    _, out, _ = run(capsys, str(path))
    issue_lines = [
        line for line in out.splitlines() if line.startswith(("line ", "file "))
    ]
    assert issue_lines[0].startswith("file")
    assert "too_few_examples" in issue_lines[0]
    assert [line.split()[1] for line in issue_lines[1:]] == ["2", "3"]


def test_missing_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, str(tmp_path / "nope.jsonl"))
    assert code == 2
    assert out == ""
    assert "no such file" in err


def test_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2
    assert "folder" in err


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["validate"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["validate", "x.jsonl", "--bogus"])
    assert exc.value.code == 2


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, *(example(i) for i in range(10)), b"   ", b"{oops")
    code, out, _ = run(capsys, str(path), "--json")
    assert code == 1
    data = json.loads(out)
    assert set(data) == {
        "file",
        "format",
        "lines",
        "examples",
        "errors",
        "warnings",
        "issues",
    }
    assert data["file"] == str(path)
    assert data["format"] == "chat"
    assert (data["lines"], data["examples"]) == (12, 10)
    assert (data["errors"], data["warnings"]) == (1, 1)
    assert [
        (i["line"], i["severity"], i["code"], i["path"]) for i in data["issues"]
    ] == [
        (11, "warning", "blank_line", ""),
        (12, "error", "invalid_json", ""),
    ]
    for issue in data["issues"]:
        assert set(issue) == {"line", "severity", "code", "path", "message"}


def test_json_clean_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, *(example(i) for i in range(10)))
    code, out, _ = run(capsys, str(path), "--json")
    assert code == 0
    assert json.loads(out)["issues"] == []


def test_dataset_text_cannot_inject_escape_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sneaky = {"messages": [SYS, {"role": "user", "content": "x", "\x1b[2J": 1}, ANSWER]}
    path = write(tmp_path, *(example(i) for i in range(10)), sneaky)
    code, out, _ = run(capsys, str(path))
    assert code == 1
    assert "\x1b" not in out
    assert "\\x1b[2J" in out


def test_bundled_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(EXAMPLE_DATASET))
    assert code == 0  # its planted problems are all warnings: it can be submitted
    assert "lines: 36" in out
    assert "valid examples: 36" in out
    for needle in ("line 12  warning  duplicate_example", "line 32  warning"):
        assert needle in out


def test_bundled_broken_file_reports_every_bad_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, str(BROKEN_DATASET), "--json")
    assert code == 1
    report = json.loads(out)
    assert report["lines"] == 13
    assert report["examples"] == 3
    by_line = {i["line"]: i["code"] for i in report["issues"] if i["line"]}
    assert by_line == {
        2: "blank_line",
        3: "invalid_json",
        4: "invalid_utf8",
        5: "not_object",
        6: "unrecognized_role",
        7: "invalid_weight",
        8: "invalid_tool_arguments",
        9: "completion_format",
        10: "reinforcement_format",
        11: "message_not_object",
        12: "nothing_to_train",
    }


def test_model_finds_over_long_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(EXAMPLE_DATASET), "--model", "gpt-4o-mini")
    assert code == 0
    over = [
        line
        for line in out.splitlines()
        if line.startswith("line") and "over_training_context" in line
    ]
    assert len(over) == 1
    assert over[0].startswith("line 32  warning")
    assert "65,536" in over[0]


def test_model_context_comes_from_the_model_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("ftui.core.tokens", reason="the token engine is not built")
    long_answer = {"role": "assistant", "content": "word " * 20_000}
    rows = [example(i) for i in range(10)]
    rows.append({"messages": [SYS, {"role": "user", "content": "x"}, long_answer]})
    path = write(tmp_path, *rows)
    # ~20,000 tokens: over gpt-3.5-turbo's 16,385, under gpt-4.1-nano's 32,768
    code, out, _ = run(capsys, str(path), "--model", "gpt-3.5-turbo-0125", "--json")
    assert code == 0
    over = [
        i for i in json.loads(out)["issues"] if i["code"] == "over_training_context"
    ]
    assert [i["line"] for i in over] == [11]
    code, out, _ = run(capsys, str(path), "--model", "gpt-4.1-nano", "--json")
    assert not [
        i for i in json.loads(out)["issues"] if i["code"] == "over_training_context"
    ]


def test_unknown_model_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(EXAMPLE_DATASET), "--model", "gpt-9")
    assert code == 2
    assert out == ""
    assert "gpt-9" in err


def test_default_model_checks_the_training_context(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, str(EXAMPLE_DATASET))
    assert "gpt-4o-mini-2024-07-18" in out
    assert "line 32  warning  over_training_context" in out


def test_no_tokens_skips_the_training_context_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, str(EXAMPLE_DATASET), "--no-tokens")
    assert "--no-tokens" in out
    assert "over_training_context" not in out


def test_configured_default_model_is_used(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from ftui.core.paths import config_file

    config_file().parent.mkdir(parents=True, exist_ok=True)
    config_file().write_text('[defaults]\nmodel = "gpt-3.5-turbo-0125"\n')
    _, out, _ = run(capsys, str(EXAMPLE_DATASET))
    assert "gpt-3.5-turbo-0125" in out
    assert "16,385" in out


@pytest.mark.parametrize(
    "name",
    [
        "azure_docs_tutorial_training_set.jsonl",
        "foundry_sft_toolcall_stock_training.jsonl",
        "foundry_sft_vision_chartqa_validation.jsonl",
        "foundry_dpo_orca_pairs_validation.jsonl",
    ],
)
def test_shared_samples_exit_0(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(shared_dataset(name)), "--json")
    assert code == 0
    assert json.loads(out)["errors"] == 0
