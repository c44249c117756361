"""Reading and writing JSONL losslessly, editing with undo, atomic saves."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from ftui.core.dataset import Dataset, open_dataset
from ftui.core.errors import DatasetError, FileChangedError, OutputExistsError
from ftui.core.jsonl import RecordKind, parse_line

CHAT = (
    b'{"messages":[{"role":"system","content":"s"},{"role":"user","content":"q"},'
    b'{"role":"assistant","content":"a"}]}'
)


def write(tmp_path: Path, content: bytes, name: str = "data.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    "content",
    [
        b"",
        CHAT,
        CHAT + b"\n",
        CHAT + b"\r\n" + CHAT + b"\r\n",
        b"\xef\xbb\xbf" + CHAT + b"\n" + CHAT,
        CHAT + b"\n\n   \n" + CHAT + b"\n",
        b'{"a": 1,   "b": [1, 2]}\n{not json\n\xff\xfe\n[1,2]\n"str"\n',
        b"\n\n\n",
        b"\r\n",
        CHAT + b"\r\n" + CHAT + b"\n" + CHAT,
    ],
)
def test_unchanged_save_is_byte_identical(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path, content)
    dataset = open_dataset(path)
    dataset.save(force=True)
    assert path.read_bytes() == content
    other = tmp_path / "copy.jsonl"
    dataset.save(other)
    assert other.read_bytes() == content


def test_random_files_round_trip(tmp_path: Path) -> None:
    rng = random.Random(7)
    pieces = [
        CHAT,
        b"",
        b"  ",
        b"{bad",
        b"\xc3\x28",
        b"[]",
        b'{"prompt":"p","completion":"c"}',
    ]
    for case in range(40):
        lines = [rng.choice(pieces) for _ in range(rng.randint(0, 12))]
        endings = [rng.choice([b"\n", b"\r\n"]) for _ in lines]
        content = b"".join(line + end for line, end in zip(lines, endings, strict=True))
        if content and rng.random() < 0.5:
            content = content.rstrip(b"\r\n")
        path = write(tmp_path, content, f"r{case}.jsonl")
        dataset = open_dataset(path)
        dataset.save(force=True)
        assert path.read_bytes() == content, case


def test_every_line_is_kept_with_number_offset_and_reason(tmp_path: Path) -> None:
    content = b"\xef\xbb\xbf" + CHAT + b"\r\n\r\n{oops\r\n\xff\r\n[1]\r\n" + CHAT
    dataset = open_dataset(write(tmp_path, content))
    records = list(dataset)
    assert [r.line for r in records] == [1, 2, 3, 4, 5, 6]
    assert [r.kind for r in records] == [
        RecordKind.CHAT,
        RecordKind.BLANK,
        RecordKind.INVALID,
        RecordKind.INVALID,
        RecordKind.INVALID,
        RecordKind.CHAT,
    ]
    assert [r.error.code for r in records if r.error] == [
        "invalid_json",
        "invalid_utf8",
        "not_object",
    ]
    assert dataset.bom
    assert records[2].raw == b"{oops"
    assert content[records[2].offset : records[2].offset + 5] == b"{oops"
    assert records[-1].newline == b""
    assert dataset.newline == b"\r\n"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b'{"messages":[{"role":"user","content":"x"}],"answer":"4"}', "reinforcement"),
        (b'{"messages":[{"role":"user","content":"x"}]}', "chat"),
        (b'{"input":{"messages":[]},"preferred_output":[]}', "preference"),
        (b'{"prompt":"a","completion":"b"}', "completion"),
        (b'{"text":"a"}', "unknown"),
    ],
)
def test_detects_formats(data: bytes, kind: str) -> None:
    assert parse_line(data).kind == kind


def test_unknown_fields_survive_an_edit(tmp_path: Path) -> None:
    line = b'{"messages":[{"role":"user","content":"q","x-note":1}],"meta":{"k":"\xc3\xa9"}}'
    dataset = open_dataset(write(tmp_path, line + b"\n" + CHAT + b"\n"))
    data = dataset.record(0).data
    assert data is not None
    data["messages"][0]["content"] = "changed"
    dataset.set_data(0, data)
    dataset.save()
    first, second = (tmp_path / "data.jsonl").read_bytes().split(b"\n")[:2]
    assert first == (
        b'{"messages":[{"role":"user","content":"changed","x-note":1}],'
        b'"meta":{"k":"\xc3\xa9"}}'
    )
    assert second == CHAT


def test_edits_insert_delete_duplicate_and_undo_everything(tmp_path: Path) -> None:
    content = b"".join(b'{"n":%d}\n' % i for i in range(5))
    path = write(tmp_path, content)
    dataset = open_dataset(path)
    dataset.set_data(1, {"n": "one"})
    new_id = dataset.insert(0, {"n": "new"})
    dataset.delete([3, 4])
    copy_id = dataset.duplicate(2)
    dataset.set_raw(0, '{"n": 0, "fixed": true}')
    assert [dataset.record(r).data for r in dataset.row_ids] == [
        {"n": "new"},
        {"n": 0, "fixed": True},
        {"n": "one"},
        {"n": 2},
        {"n": 2},
    ]
    assert dataset.is_edited(new_id)
    assert dataset.is_edited(copy_id)
    assert not dataset.is_edited(2)
    while dataset.undo():
        pass
    assert not dataset.can_undo
    dataset.save()
    assert path.read_bytes() == content
    for _ in range(5):
        dataset.redo()
    assert len(dataset) == 5
    assert dataset.record_at(1).data == {"n": 0, "fixed": True}


def test_a_batch_is_one_undo_step(tmp_path: Path) -> None:
    dataset = open_dataset(write(tmp_path, b'{"n":1}\n{"n":2}\n'))
    with dataset.begin_batch("bulk"):
        dataset.set_data(0, {"n": 10})
        dataset.set_data(1, {"n": 20})
    assert dataset.undo() is not None
    assert [r.data for r in dataset] == [{"n": 1}, {"n": 2}]
    assert not dataset.can_undo


def test_new_line_after_a_last_line_without_newline(tmp_path: Path) -> None:
    path = write(tmp_path, b'{"n":1}\r\n{"n":2}')
    dataset = open_dataset(path)
    dataset.insert(2, {"n": 3})
    dataset.save()
    assert path.read_bytes() == b'{"n":1}\r\n{"n":2}\r\n{"n":3}\r\n'


def test_invalid_line_repaired_as_raw_text(tmp_path: Path) -> None:
    path = write(tmp_path, b'{"n":1}\n{"n":2\n')
    dataset = open_dataset(path)
    assert dataset.record(1).error is not None
    dataset.set_raw(1, '{"n":2')  # still broken: kept as typed
    assert dataset.record(1).error is not None
    dataset.set_raw(1, '{"n":2}')
    assert dataset.record(1).data == {"n": 2}
    dataset.save()
    assert path.read_bytes() == b'{"n":1}\n{"n":2}\n'


def test_refuses_to_overwrite_a_file_changed_on_disk(tmp_path: Path) -> None:
    path = write(tmp_path, b'{"n":1}\n')
    dataset = open_dataset(path)
    dataset.set_data(0, {"n": 2})
    path.write_bytes(b'{"n":1}\n{"someone":"else"}\n')
    os.utime(path, ns=(1, 1))
    assert dataset.changed_on_disk()
    with pytest.raises(FileChangedError):
        dataset.save()
    assert path.read_bytes() == b'{"n":1}\n{"someone":"else"}\n'
    dataset.save(tmp_path / "mine.jsonl")
    assert (tmp_path / "mine.jsonl").read_bytes() == b'{"n":2}\n'
    dataset.save(force=True)
    assert path.read_bytes() == b'{"n":2}\n'


def test_save_as_refuses_an_existing_file(tmp_path: Path) -> None:
    dataset = open_dataset(write(tmp_path, b'{"n":1}\n'))
    taken = write(tmp_path, b"keep me", "taken.jsonl")
    with pytest.raises(OutputExistsError):
        dataset.save(taken)
    assert taken.read_bytes() == b"keep me"


def test_atomic_save_keeps_mode_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = write(tmp_path, b'{"n":1}\n')
    path.chmod(0o600)
    dataset = open_dataset(path)
    dataset.set_data(0, {"n": 2})
    dataset.save()
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.jsonl"]
    assert not dataset.modified


def test_failed_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, b'{"n":1}\n')
    dataset = open_dataset(path)
    dataset.set_data(0, {"n": 2})

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(DatasetError, match="No space left"):
        dataset.save()
    assert path.read_bytes() == b'{"n":1}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.jsonl"]
    assert dataset.modified


def test_open_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such file"):
        open_dataset(tmp_path / "missing.jsonl")
    with pytest.raises(DatasetError, match="folder"):
        open_dataset(tmp_path)


def test_in_memory_dataset_saves_where_told(tmp_path: Path) -> None:
    dataset = Dataset.from_records([parse_line(CHAT), parse_line(b"{bad")])
    with pytest.raises(DatasetError):
        dataset.save()
    out = dataset.save(tmp_path / "new.jsonl")
    assert out.read_bytes() == CHAT + b"\n{bad\n"


def test_raw_rows_and_pristine(tmp_path: Path) -> None:
    dataset = open_dataset(write(tmp_path, b'{"n":1}\r\n{"n":2}\n'))
    assert dataset.pristine
    assert list(dataset.raw_rows()) == [(0, b'{"n":1}', None), (1, b'{"n":2}', None)]
    dataset.set_data(1, {"n": 3})
    rows = list(dataset.raw_rows())
    assert rows[1][:2] == (1, b'{"n":3}')
    assert rows[1][2] is not None
    assert not dataset.pristine
    dataset.undo()
    dataset.delete([0])
    assert not dataset.pristine


def test_small_files_are_held_in_memory_so_outside_rewrites_lose_nothing(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, b'{"n":1}\n{"n":2}\n')
    dataset = open_dataset(path)
    path.write_bytes(b"{}\n")  # same inode, new content
    os.utime(path, ns=(1, 1))
    assert [r.data for r in dataset] == [{"n": 1}, {"n": 2}]
    dataset.save(tmp_path / "copy.jsonl")
    assert (tmp_path / "copy.jsonl").read_bytes() == b'{"n":1}\n{"n":2}\n'


@pytest.mark.parametrize("how", ["threshold", "asked"])
def test_mapped_file_rewritten_in_place_is_never_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    import ftui.core.dataset as dataset_module
    from ftui.core.errors import SourceRewrittenError

    path = write(tmp_path, b'{"n":1}\n{"n":2}\n')
    if how == "threshold":  # files above the threshold are mapped by default
        monkeypatch.setattr(dataset_module, "MMAP_THRESHOLD", 0)
        dataset = open_dataset(path)
    else:
        dataset = open_dataset(path, in_memory=False)
    dataset.set_data(0, {"n": 10})
    with path.open("r+b") as handle:  # same inode, same size: only the map sees it
        handle.write(b'{"n":9}')
    os.utime(path, ns=(1, 1))
    assert dataset.source_rewritten()
    for target, force in ((None, True), (tmp_path / "other.jsonl", False)):
        with pytest.raises(SourceRewrittenError):
            dataset.save(target, force=force)
    assert not (tmp_path / "other.jsonl").exists()


def test_undoing_back_to_the_saved_state_is_not_modified(tmp_path: Path) -> None:
    path = write(tmp_path, b'{"n":1}\n')
    dataset = open_dataset(path)
    dataset.set_data(0, {"n": 2})
    dataset.save()
    dataset.set_data(0, {"n": 3})
    assert dataset.modified
    dataset.undo()
    assert not dataset.modified
    dataset.undo()
    assert dataset.modified
    dataset.redo()
    assert not dataset.modified
    dataset.set_data(0, {"n": 4})  # same depth, different edit
    dataset.undo()
    dataset.set_data(0, {"n": 5})
    assert dataset.modified
