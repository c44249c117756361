"""Seeded train/validation split that keeps duplicate clusters on one side."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ftui.core.errors import DatasetError, OutputExistsError
from ftui.core.jsonl import Record, write_records

if TYPE_CHECKING:
    from ftui.core.dataset import Dataset
    from ftui.core.dedup import DedupReport

__all__ = ["SplitResult", "default_split_paths", "split_dataset", "write_split"]


@dataclass(frozen=True)
class SplitResult:
    """Which rows go to the training file and which to the validation file.

    Attributes:
        dataset: The dataset the split was made from (records are read from it
            when writing, so write before editing it further).
        train: Row ids for the training file, in dataset order.
        validation: Row ids for the validation file, in dataset order.
        excluded: Blank or invalid lines left out of both files.
        excluded_by_request: Valid rows left out because the caller asked
            (for example rows with validation errors).
        clusters: Duplicate clusters (two or more members) kept on one side.
        seed: The seed used.
        validation_fraction: The fraction asked for.
        version: `dataset.version` when the split was made.
    """

    dataset: Dataset = field(repr=False)
    train: tuple[int, ...]
    validation: tuple[int, ...]
    excluded: int
    excluded_by_request: int
    clusters: int
    seed: int
    validation_fraction: float
    version: int

    def summary(self) -> str:
        """One line for the user, e.g. `90 train / 10 validation, ...`."""
        text = f"{len(self.train)} train / {len(self.validation)} validation"
        if self.clusters:
            plural = "s" if self.clusters != 1 else ""
            text += f", {self.clusters} duplicate cluster{plural} kept on one side"
        if self.excluded:
            plural = "s" if self.excluded != 1 else ""
            text += f", {self.excluded} blank or invalid line{plural} left out"
        if self.excluded_by_request:
            n = self.excluded_by_request
            text += f", {n} flagged row{'s' if n != 1 else ''} left out"
        return text


class _Clusters:
    """Union-find over row ids: exact and near groups may share members."""

    def __init__(self) -> None:
        self._parent: dict[int, int] = {}

    def find(self, item: int) -> int:
        parent = self._parent.setdefault(item, item)
        root = item
        while parent != root:
            root = parent
            parent = self._parent[root]
        while item != root:  # path compression keeps later finds flat
            self._parent[item], item = root, self._parent[item]
        return root

    def union(self, items: Sequence[int]) -> None:
        if not items:
            return
        first = self.find(items[0])
        for other in items[1:]:
            root = self.find(other)
            if root != first:
                self._parent[root] = first


def _group_row_ids(report: DedupReport) -> Iterator[Sequence[int]]:
    for group in report.exact_groups:
        yield group.row_ids
    for near in report.near_groups:
        yield near.row_ids


def split_dataset(
    dataset: Dataset,
    validation_fraction: float,
    seed: int,
    dedup_report: DedupReport | None = None,
    *,
    exclude: Iterable[int] = (),
) -> SplitResult:
    """Split the valid examples of a dataset into training and validation rows.

    Every member of an exact or near-duplicate cluster lands on the same side,
    so the validation loss is not measured on copies of training examples.
    Clusters are shuffled with `random.Random(seed)` and the validation side is
    filled up to `round(fraction * examples)`; a cluster that would overshoot
    goes to training. The same dataset, fraction, seed and report always give
    the same split.

    Args:
        dataset: The dataset (its current, edited content is used).
        validation_fraction: Share of examples for validation, 0 ≤ f < 1. With
            a positive fraction and at least two examples, validation gets at
            least one.
        seed: Seed for the shuffle.
        dedup_report: Duplicate clusters to keep together; row ids no longer in
            the dataset are ignored.
        exclude: Row ids to leave out of both files (e.g. rows with errors).

    Returns:
        The split.

    Raises:
        ValueError: The fraction is outside [0, 1).
    """
    if not 0.0 <= validation_fraction < 1.0:
        raise ValueError(
            "validation fraction must be at least 0 and below 1, "
            f"not {validation_fraction}"
        )
    excluded_ids = set(exclude)
    valid: list[int] = []
    invalid = 0
    requested = 0
    for row_id, record in dataset.items():
        if not record.is_example:
            invalid += 1
        elif row_id in excluded_ids:
            requested += 1
        else:
            valid.append(row_id)
    present = set(valid)

    clusters = _Clusters()
    if dedup_report is not None:
        for row_ids in _group_row_ids(dedup_report):
            members = [row_id for row_id in row_ids if row_id in present]
            if len(members) > 1:
                clusters.union(members)
    units: dict[int, list[int]] = {}
    for row_id in valid:  # dataset order inside each unit, units in first-seen order
        units.setdefault(clusters.find(row_id), []).append(row_id)
    ordered = list(units.values())
    random.Random(seed).shuffle(ordered)

    target = round(validation_fraction * len(valid))
    if validation_fraction > 0 and target == 0 and len(valid) >= 2:
        target = 1
    validation_ids: set[int] = set()
    for unit in ordered:
        if len(validation_ids) >= target:
            break
        if len(validation_ids) + len(unit) <= target:
            validation_ids.update(unit)
    if target and not validation_ids and len(ordered) > 1:
        # every cluster is bigger than the target: take the smallest rather than none
        smallest = min(range(len(ordered)), key=lambda i: len(ordered[i]))
        validation_ids.update(ordered[smallest])

    train = tuple(row_id for row_id in valid if row_id not in validation_ids)
    validation = tuple(row_id for row_id in valid if row_id in validation_ids)
    return SplitResult(
        dataset=dataset,
        train=train,
        validation=validation,
        excluded=invalid,
        excluded_by_request=requested,
        clusters=sum(1 for unit in ordered if len(unit) > 1),
        seed=seed,
        validation_fraction=validation_fraction,
        version=dataset.version,
    )


def default_split_paths(path: Path) -> tuple[Path, Path]:
    """Default output files next to a dataset: `NAME.train.jsonl`, `NAME.valid.jsonl`.

    Args:
        path: The dataset file (`data.jsonl` gives `data.train.jsonl`).

    Returns:
        The training and validation paths.
    """
    stem = path.name[: -len(".jsonl")] if path.name.endswith(".jsonl") else path.stem
    return path.with_name(f"{stem}.train.jsonl"), path.with_name(f"{stem}.valid.jsonl")


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def write_split(
    result: SplitResult,
    train_path: Path,
    valid_path: Path,
    *,
    overwrite: bool = False,
) -> tuple[Path, Path]:
    """Write a split as two JSONL files, each atomically.

    Lines are written exactly as the dataset holds them, so lines the user did
    not edit are byte-identical to the source file; every line, including the
    last, ends with the dataset's newline style. Both targets are checked
    before either is written, so a refusal leaves nothing half done.

    Args:
        result: The split from `split_dataset`.
        train_path: Training file to write.
        valid_path: Validation file to write (skipped when the split has no
            validation rows).
        overwrite: Replace existing files.

    Returns:
        The two paths.

    Raises:
        OutputExistsError: A target exists and `overwrite` is false.
        DatasetError: The paths coincide, a target is the source file, the
            dataset changed since the split was made, or a write failed.
    """
    train_path, valid_path = Path(train_path), Path(valid_path)
    dataset = result.dataset
    if dataset.version != result.version:
        raise DatasetError("the dataset changed after the split was made; split again")
    if _same_file(train_path, valid_path):
        raise DatasetError("the training and validation files must be different files")
    targets = [train_path] + ([valid_path] if result.validation else [])
    for target in targets:
        if dataset.path is not None and _same_file(target, dataset.path):
            raise DatasetError(
                f"{target} is the file being curated; choose another output name"
            )
        if target.exists() and not overwrite:
            raise OutputExistsError(f"{target} exists; confirm to overwrite it")

    def records(row_ids: Sequence[int]) -> Iterator[Record]:
        for row_id in row_ids:
            record = dataset.record(row_id)
            if not record.newline:  # the source's unterminated last line
                record = replace(record, newline=dataset.newline)
            yield record

    # existence was checked above for both files, hence overwrite=True here
    bom, newline = dataset.bom, dataset.newline
    write_records(
        train_path, records(result.train), bom=bom, newline=newline, overwrite=True
    )
    if result.validation:
        write_records(
            valid_path,
            records(result.validation),
            bom=bom,
            newline=newline,
            overwrite=True,
        )
    return train_path, valid_path
