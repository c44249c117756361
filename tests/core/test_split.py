"""Tests for the seeded train/validation split and its writer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ftui.core.dataset import open_dataset
from ftui.core.errors import DatasetError, OutputExistsError
from ftui.core.split import default_split_paths, split_dataset, write_split


def _example(i: int, text: str | None = None) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "user", "content": text or f"question {i}"},
            {"role": "assistant", "content": f"answer {i}"},
        ]
    }


def _write(path: Path, lines: list[str], *, end: str = "\n") -> Path:
    path.write_bytes(("\n".join(lines) + end).encode())
    return path


@dataclass
class _Group:
    row_ids: tuple[int, ...]


@dataclass
class _Report:
    """Stands in for DedupReport: only the attributes split_dataset reads."""

    exact_groups: list[_Group] = field(default_factory=list)
    near_groups: list[_Group] = field(default_factory=list)


@pytest.fixture
def hundred(tmp_path: Path) -> Path:
    lines = [json.dumps(_example(i)) for i in range(100)]
    return _write(tmp_path / "data.jsonl", lines)


def test_fraction_gives_expected_sizes_and_is_a_partition(hundred: Path) -> None:
    result = split_dataset(open_dataset(hundred), 0.2, seed=7)
    assert len(result.validation) == 20
    assert len(result.train) == 80
    assert set(result.train).isdisjoint(result.validation)
    assert set(result.train) | set(result.validation) == set(range(100))
    assert list(result.train) == sorted(result.train)  # dataset order kept


def test_same_seed_same_split_other_seed_differs(hundred: Path) -> None:
    dataset = open_dataset(hundred)
    first = split_dataset(dataset, 0.1, seed=1)
    again = split_dataset(dataset, 0.1, seed=1)
    other = split_dataset(dataset, 0.1, seed=2)
    assert first.validation == again.validation
    assert first.validation != other.validation


def test_duplicate_clusters_stay_on_one_side(hundred: Path) -> None:
    dataset = open_dataset(hundred)
    exact = [_Group((0, 10, 20)), _Group((5, 6))]
    near = [_Group((20, 30, 40)), _Group((50, 51, 52, 53))]  # 20 links both groups
    report = _Report(exact, near)
    for seed in range(30):
        result = split_dataset(dataset, 0.3, seed=seed, dedup_report=report)  # type: ignore[arg-type]
        validation = set(result.validation)
        for cluster in ({0, 10, 20, 30, 40}, {5, 6}, {50, 51, 52, 53}):
            sides = {row_id in validation for row_id in cluster}
            assert len(sides) == 1, (seed, cluster)
        assert result.clusters == 3
        assert len(result.validation) == 30


def test_invalid_and_blank_lines_are_excluded_and_counted(tmp_path: Path) -> None:
    lines = [json.dumps(_example(i)) for i in range(10)]
    lines[3] = "{not json"
    lines[7] = ""
    lines.append("[1, 2]")
    dataset = open_dataset(_write(tmp_path / "d.jsonl", lines))
    result = split_dataset(dataset, 0.25, seed=0)
    assert result.excluded == 3
    kept = set(result.train) | set(result.validation)
    assert kept == {0, 1, 2, 4, 5, 6, 8, 9}
    assert len(result.validation) == 2
    assert "3 blank or invalid lines left out" in result.summary()


def test_exclude_leaves_rows_out(hundred: Path) -> None:
    result = split_dataset(open_dataset(hundred), 0.1, seed=3, exclude={1, 2})
    assert result.excluded_by_request == 2
    assert {1, 2}.isdisjoint(set(result.train) | set(result.validation))
    assert len(result.train) + len(result.validation) == 98


def test_stale_ids_in_report_are_ignored(hundred: Path) -> None:
    dataset = open_dataset(hundred)
    dataset.delete([10])
    report = _Report([_Group((10, 11))])  # 10 is gone: 11 is a singleton now
    result = split_dataset(dataset, 0.5, seed=0, dedup_report=report)  # type: ignore[arg-type]
    assert result.clusters == 0
    assert 10 not in set(result.train) | set(result.validation)


def test_small_positive_fraction_still_gives_one_validation_example(
    tmp_path: Path,
) -> None:
    lines = [json.dumps(_example(i)) for i in range(5)]
    result = split_dataset(open_dataset(_write(tmp_path / "d.jsonl", lines)), 0.05, 0)
    assert len(result.validation) == 1
    zero = split_dataset(open_dataset(tmp_path / "d.jsonl"), 0.0, 0)
    assert zero.validation == ()


def test_oversized_cluster_does_not_empty_validation(tmp_path: Path) -> None:
    lines = [json.dumps(_example(i)) for i in range(6)]
    dataset = open_dataset(_write(tmp_path / "d.jsonl", lines))
    report = _Report([_Group((0, 1, 2))], [_Group((3, 4, 5))])
    result = split_dataset(dataset, 0.1, seed=0, dedup_report=report)  # type: ignore[arg-type]
    assert len(result.validation) == 3
    assert len(result.train) == 3


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5])
def test_bad_fraction_raises(hundred: Path, fraction: float) -> None:
    with pytest.raises(ValueError, match="fraction"):
        split_dataset(open_dataset(hundred), fraction, seed=0)


def test_write_split_keeps_untouched_lines_byte_identical(tmp_path: Path) -> None:
    # odd but valid formatting (spaces, unicode escapes, CRLF) must survive
    lines = [
        '{"messages": [{"role": "user", "content": "caf\\u00e9 N"}, '
        '{"role": "assistant", "content": "ok"}]}'.replace("N", str(i))
        for i in range(20)
    ]
    source = tmp_path / "data.jsonl"
    source.write_bytes(("\r\n".join(lines)).encode())  # no final newline
    dataset = open_dataset(source)
    dataset.set_data(4, _example(4, "edited"))
    result = split_dataset(dataset, 0.25, seed=11)
    train_path, valid_path = default_split_paths(source)
    write_split(result, train_path, valid_path)

    source_lines = source.read_bytes().split(b"\r\n")
    train_lines = train_path.read_bytes().split(b"\r\n")
    valid_lines = valid_path.read_bytes().split(b"\r\n")
    assert train_lines[-1] == valid_lines[-1] == b""  # every line terminated
    written = dict(zip(result.train, train_lines[:-1], strict=True))
    written.update(zip(result.validation, valid_lines[:-1], strict=True))
    assert len(written) == 20
    for row_id, raw in written.items():
        if row_id == 4:
            assert json.loads(raw)["messages"][0]["content"] == "edited"
        else:
            assert raw == source_lines[row_id]


def test_write_split_refuses_existing_files_then_overwrites(hundred: Path) -> None:
    result = split_dataset(open_dataset(hundred), 0.1, seed=0)
    train_path, valid_path = default_split_paths(hundred)
    valid_path.write_text("keep me\n")
    with pytest.raises(OutputExistsError):
        write_split(result, train_path, valid_path)
    assert not train_path.exists()  # nothing half written
    assert valid_path.read_text() == "keep me\n"
    write_split(result, train_path, valid_path, overwrite=True)
    assert len(valid_path.read_text().splitlines()) == 10
    assert len(train_path.read_text().splitlines()) == 90


def test_write_split_refuses_source_same_paths_and_stale_split(hundred: Path) -> None:
    dataset = open_dataset(hundred)
    result = split_dataset(dataset, 0.1, seed=0)
    other = hundred.with_name("x.jsonl")
    with pytest.raises(DatasetError, match="being curated"):
        write_split(result, hundred, other, overwrite=True)
    with pytest.raises(DatasetError, match="different"):
        write_split(result, other, other)
    dataset.delete([0])
    with pytest.raises(DatasetError, match="changed"):
        write_split(result, other, hundred.with_name("y.jsonl"))


def test_default_split_paths() -> None:
    train, valid = default_split_paths(Path("/d/med.jsonl"))
    assert (train, valid) == (Path("/d/med.train.jsonl"), Path("/d/med.valid.jsonl"))
    assert default_split_paths(Path("x.json"))[0] == Path("x.train.jsonl")
