"""`ftui dedup`: JSON shape, human output, --write, --against, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ftui.tui.cli import main
from tests.conftest import EXAMPLE_DATASET
from tests.dedup_fixtures import chat, one_word_changed, templated, write_jsonl

NOTE = (
    "A 27-year-old woman rolled her right ankle playing basketball yesterday. "
    "Swelling and tenderness over the lateral ligaments; she can bear weight. "
    "Ottawa rules negative, no X-ray needed. Assessment: right ankle sprain."
)
ANSWER = "S93.401A - Sprain of unspecified ligament of right ankle, initial encounter."


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["dedup", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """Lines: 1 unique, 2 base, 3 blank, 4 invalid, 5 exact copy of 2 (reordered
    keys), 6 near copy of 2, 7 unique, 8 invalid, 9 exact copy of 7."""
    examples = templated(12)
    base = chat(NOTE, ANSWER)
    reordered = {
        "messages": [
            {"content": m["content"], "role": m["role"]} for m in base["messages"]
        ]
    }
    near = one_word_changed(base, "right ankle playing", "left ankle playing")
    rows: list[Any] = [
        examples[0],
        base,
        "",
        '{"messages": [truncated',
        reordered,
        near,
        examples[3],
        "not json at all",
        examples[3],
    ]
    return write_jsonl(tmp_path / "train.jsonl", rows)


def test_json_shape(capsys: pytest.CaptureFixture[str], sample: Path) -> None:
    code, out, _ = run_cli(capsys, str(sample), "--json")
    assert code == 0  # duplicates found is not an error
    result = json.loads(out)
    assert set(result) == {"file", "examples", "exact_groups", "near_groups", "against"}
    assert result["file"] == str(sample)
    assert result["examples"] == 6
    assert result["exact_groups"] == [[2, 5], [7, 9]]
    (near,) = result["near_groups"]
    assert set(near) == {"lines", "min_score", "representative"}
    assert near["lines"] == [2, 6]
    assert near["representative"] == near["lines"][0] == 2
    assert 0.9 <= near["min_score"] < 1.0
    assert result["against"] == []


def test_human_output_shows_lines_scores_and_differences(
    capsys: pytest.CaptureFixture[str], sample: Path
) -> None:
    code, out, _ = run_cli(capsys, str(sample))
    assert code == 0
    assert "lines 2, 5: keep line 2" in out
    assert "lines 7, 9: keep line 7" in out
    assert "lines 2, 6: keep line 2" in out
    assert "line 6 ~ line 2: 9" in out  # a score in the 90s
    assert "[-right-] {+left+}" in out
    assert "--write would leave out 3 lines" in out


def test_human_output_never_passes_escape_codes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base = chat(NOTE + " \x1b[2J\x1b[31m", ANSWER)
    near = one_word_changed(base, "right ankle playing", "left\x1b[5m ankle playing")
    path = write_jsonl(tmp_path / "esc.jsonl", [base, near])
    code, out, _ = run_cli(capsys, str(path))
    assert code == 0
    assert "\x1b" not in out
    assert "\\x1b" in out


def test_no_duplicates(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "clean.jsonl", templated(12))
    code, out, _ = run_cli(capsys, str(path))
    assert code == 0
    assert "No duplicates found." in out


def test_write_keeps_representatives_unique_and_invalid_lines_verbatim(
    capsys: pytest.CaptureFixture[str], sample: Path, tmp_path: Path
) -> None:
    out_path = tmp_path / "clean.jsonl"
    before = sample.read_bytes()
    code, out, _ = run_cli(capsys, str(sample), "--write", str(out_path))
    assert code == 0
    assert f"wrote {out_path}: 6 of 9 lines kept" in out
    assert sample.read_bytes() == before  # the input is never touched
    source = before.split(b"\n")
    # drop line 5 (exact copy), 6 (near copy), 9 (exact copy); keep the rest
    expected = [source[i - 1] for i in (1, 2, 3, 4, 7, 8)]
    assert out_path.read_bytes() == b"\n".join(expected) + b"\n"


def test_write_keeps_crlf_bom_and_missing_final_newline(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base = json.dumps(chat(NOTE, ANSWER)).encode()
    other = json.dumps(templated(1)[0]).encode()
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + base + b"\r\n{bad\r\n" + other + b"\r\n" + base)
    out_path = tmp_path / "out.jsonl"
    assert run_cli(capsys, str(path), "--write", str(out_path))[0] == 0
    assert (
        out_path.read_bytes()
        == b"\xef\xbb\xbf" + base + b"\r\n{bad\r\n" + other + b"\r\n"
    )


def test_write_refuses_existing_output_unless_forced(
    capsys: pytest.CaptureFixture[str], sample: Path, tmp_path: Path
) -> None:
    out_path = tmp_path / "exists.jsonl"
    out_path.write_text("keep me\n")
    code, _, err = run_cli(capsys, str(sample), "--write", str(out_path))
    assert code == 2
    assert "exists" in err
    assert "--force" in err
    assert out_path.read_text() == "keep me\n"
    code, _, _ = run_cli(capsys, str(sample), "--write", str(out_path), "--force")
    assert code == 0
    assert out_path.read_text() != "keep me\n"


def test_write_never_overwrites_the_input(
    capsys: pytest.CaptureFixture[str], sample: Path
) -> None:
    before = sample.read_bytes()
    alias = sample.parent / "." / sample.name
    code, _, err = run_cli(capsys, str(sample), "--write", str(alias), "--force")
    assert code == 2
    assert "never overwrites" in err
    assert sample.read_bytes() == before


def test_json_with_write_keeps_stdout_json(
    capsys: pytest.CaptureFixture[str], sample: Path, tmp_path: Path
) -> None:
    code, out, err = run_cli(
        capsys, str(sample), "--json", "--write", str(tmp_path / "o.jsonl")
    )
    assert code == 0
    json.loads(out)
    assert "wrote" in err


def test_written_file_passes_the_duplicate_check(
    capsys: pytest.CaptureFixture[str], sample: Path, tmp_path: Path
) -> None:
    out_path = tmp_path / "clean.jsonl"
    run_cli(capsys, str(sample), "--write", str(out_path))
    code, out, _ = run_cli(capsys, str(out_path), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["exact_groups"] == []
    assert result["near_groups"] == []
    validation = pytest.importorskip("ftui.core.validation")
    from ftui.core.dataset import open_dataset

    report = validation.validate_dataset(open_dataset(out_path))
    assert not [i for i in report.issues if "duplicate" in i.code]


def test_against_reports_overlap(
    capsys: pytest.CaptureFixture[str], sample: Path, tmp_path: Path
) -> None:
    examples = templated(12)
    near_leak = one_word_changed(examples[0], "Hello", "Hi there")
    validation = write_jsonl(
        tmp_path / "valid.jsonl", [examples[10], near_leak, examples[3], "{bad"]
    )
    code, out, _ = run_cli(capsys, str(sample), "--against", str(validation), "--json")
    assert code == 0
    against = json.loads(out)["against"]
    assert [(a["line"], a["kind"], a["other_lines"]) for a in against] == [
        (1, "near", [2]),
        (7, "exact", [3]),
        (9, "exact", [3]),
    ]
    assert 0.9 <= against[0]["score"] < 1.0
    assert against[1]["score"] == 1.0
    code, out, _ = run_cli(capsys, str(sample), "--against", str(validation))
    assert "3 lines of" in out
    assert "line 7 =" in out
    assert "line 1 ≈" in out


def test_scope_threshold_and_casefold_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "s.jsonl",
        [
            chat(NOTE, ANSWER),
            chat(NOTE, "Z00.00 - General exam."),
            chat(NOTE.upper(), ANSWER.upper()),
        ],
    )
    _, out, _ = run_cli(capsys, str(path), "--json", "--scope", "user")
    assert json.loads(out)["near_groups"][0]["lines"] == [1, 2, 3]
    _, out, _ = run_cli(capsys, str(path), "--json", "--scope", "assistant")
    assert json.loads(out)["near_groups"][0]["lines"] == [1, 3]
    _, out, _ = run_cli(capsys, str(path), "--json", "--casefold")
    assert json.loads(out)["exact_groups"] == [[1, 3]]
    _, out, _ = run_cli(capsys, str(path), "--json", "--threshold", "100")
    assert json.loads(out)["near_groups"][0]["lines"] == [1, 3]  # case only: 100%


@pytest.mark.parametrize("value", ["0", "-1", "101", "abc"])
def test_bad_threshold_exits_2(capsys: pytest.CaptureFixture[str], value: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["dedup", "x.jsonl", "--threshold", value])
    assert exit_info.value.code == 2
    assert "threshold" in capsys.readouterr().err


def test_unreadable_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_cli(capsys, str(tmp_path / "missing.jsonl"))
    assert code == 2
    assert "no such file" in err
    code, _, err = run_cli(capsys, str(tmp_path))
    assert code == 2


def test_output_is_the_same_under_different_hash_seeds(sample: Path) -> None:
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-m", "ftui.tui", "dedup", str(sample), "--json"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_bundled_example(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    if not EXAMPLE_DATASET.is_file():
        pytest.skip(f"{EXAMPLE_DATASET} is not written yet")
    code, out, _ = run_cli(capsys, str(EXAMPLE_DATASET), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["exact_groups"] == [[3, 12]]
    assert [g["lines"] for g in result["near_groups"]] == [[21, 23]]
    out_path = tmp_path / "medical_clean.jsonl"
    assert run_cli(capsys, str(EXAMPLE_DATASET), "--write", str(out_path))[0] == 0
    kept = out_path.read_bytes().split(b"\n")
    source = EXAMPLE_DATASET.read_bytes().split(b"\n")
    assert kept == [line for n, line in enumerate(source, 1) if n not in (12, 23)]


def test_shared_training_vs_validation(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import shared_dataset

    train = shared_dataset("azure_docs_tutorial_training_set.jsonl")
    valid = shared_dataset("azure_docs_tutorial_validation_set.jsonl")
    code, out, _ = run_cli(capsys, str(train), "--against", str(valid), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["examples"] == 10
    for overlap in result["against"]:
        assert overlap["kind"] in ("exact", "near")
        assert overlap["score"] >= 0.9


def test_bundled_broken_file_is_written_back_byte_for_byte(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = EXAMPLE_DATASET.parent / "broken.jsonl"
    if not broken.is_file():
        pytest.skip(f"{broken} is not written yet")
    out_path = tmp_path / "copy.jsonl"
    code, _, _ = run_cli(capsys, str(broken), "--write", str(out_path))
    assert code == 0
    # blank, cut-off, non-UTF-8 and non-object lines are all kept verbatim
    assert out_path.read_bytes() == broken.read_bytes()
