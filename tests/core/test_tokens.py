"""Token counting: the cookbook method, extensions, cache, cancellation, offline."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tiktoken
import tiktoken.load
import tiktoken.registry

from ftui.core import tokens
from ftui.core.dataset import Dataset, open_dataset
from ftui.core.jsonl import parse_line
from ftui.core.token_cache import TokenCache
from ftui.core.tokens import (
    IMAGE_TOKENS_HIGH,
    IMAGE_TOKENS_LOW,
    ExampleTokens,
    TokenCounter,
    count_dataset,
)
from tests.conftest import shared_dataset

O200K = tiktoken.get_encoding("o200k_base")


def n(text: str) -> int:
    return len(O200K.encode(text))


def cookbook(messages: list[dict[str, Any]], encoding: Any = O200K) -> int:
    """The cookbook's num_tokens_from_messages, verbatim (string values only)."""
    num_tokens = 0
    for message in messages:
        num_tokens += 3
        for key, value in message.items():
            num_tokens += len(encoding.encode(value))
            if key == "name":
                num_tokens += 1
    num_tokens += 3
    return num_tokens


def write_jsonl(path: Path, rows: list[Any], extra_lines: tuple[str, ...] = ()) -> Path:
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join([*lines, *extra_lines]) + "\n", encoding="utf-8")
    return path


def chat(*turns: tuple[str, str], **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": r, "content": c} for r, c in turns], **extra}


SYSTEM = "You are a careful medical coding assistant. Answer with ICD-10 codes."
ROWS = [
    chat(
        ("system", SYSTEM),
        ("user", f"Patient {i} has a sore throat."),
        ("assistant", f"J02.{i % 10}"),
    )
    for i in range(30)
] + [
    {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {
                "role": "user",
                "content": "Héllo — naïve café ☕ 日本語",
                "name": "dr_who",
            },
            {"role": "assistant", "content": "Bonjour!"},
        ]
    }
]


@pytest.fixture
def counter() -> TokenCounter:
    return TokenCounter.for_model("gpt-4o-mini")


# ------------------------------------------------------------------ per example
def test_string_examples_equal_the_cookbook_method(counter: TokenCounter) -> None:
    for row in ROWS:
        result = counter.count_data(row)
        assert result is not None
        assert result.total == cookbook(row["messages"])
        assert result.exact
        assert result.total == sum(result.per_message) + 3
        assistant = [m["content"] for m in row["messages"] if m["role"] == "assistant"]
        assert result.trained == sum(n(c) for c in assistant)


def test_cl100k_for_gpt35() -> None:
    counter = TokenCounter.for_model("gpt-35-turbo")
    cl100k = tiktoken.get_encoding("cl100k_base")
    assert counter.encoding_name == "cl100k_base"
    for row in ROWS[:5] + ROWS[-1:]:
        assert counter.count_data(row).total == cookbook(row["messages"], cl100k)  # type: ignore[union-attr]


def test_name_adds_one_and_tool_call_id_is_encoded(counter: TokenCounter) -> None:
    message = {"role": "tool", "tool_call_id": "call_abc123", "content": "21.0"}
    named = {"role": "user", "name": "alice", "content": "hi"}
    result = counter.count_data({"messages": [message, named]})
    assert result is not None
    assert result.per_message == (
        3 + n("tool") + n("call_abc123") + n("21.0"),
        3 + n("user") + n("alice") + 1 + n("hi"),
    )


def test_weight_zero_turns_are_not_trained(counter: TokenCounter) -> None:
    row = {
        "messages": [
            {"role": "user", "content": "one"},
            {"role": "assistant", "content": "first answer", "weight": 0},
            {"role": "user", "content": "two"},
            {"role": "assistant", "content": "second answer here", "weight": 1},
        ]
    }
    result = counter.count_data(row)
    assert result is not None
    assert result.trained == n("second answer here")
    # weight itself (an int) adds nothing to the total
    assert result.total == cookbook(
        [{k: v for k, v in m.items() if k != "weight"} for m in row["messages"]]
    )


def test_list_content_text_parts_and_images(counter: TokenCounter) -> None:
    row = {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in these pictures?"},
                    {
                        "type": "image_url",
                        "image_url": {
                            "url": "data:image/png;base64,AAAA",
                            "detail": "low",
                        },
                    },
                    {
                        "type": "image_url",
                        "image_url": {"url": "https://x/y.png", "detail": "high"},
                    },
                    {"type": "image_url", "image_url": {"url": "https://x/z.png"}},
                ],
            },
            {"role": "assistant", "content": [{"type": "text", "text": "Two cats."}]},
        ]
    }
    result = counter.count_data(row)
    assert result is not None
    user = (
        3
        + n("user")
        + n("What is in these pictures?")
        + IMAGE_TOKENS_LOW
        + 2 * IMAGE_TOKENS_HIGH
    )
    assert (IMAGE_TOKENS_LOW, IMAGE_TOKENS_HIGH) == (85, 765)
    assert result.per_message == (user, 3 + n("assistant") + n("Two cats."))
    assert result.trained == n("Two cats.")


def test_tool_calls_and_tools_are_compact_json(counter: TokenCounter) -> None:
    calls = [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_price", "arguments": '{"ticker": "MSFT"}'},
        }
    ]
    tools = [
        {
            "type": "function",
            "function": {"name": "get_price", "parameters": {"type": "object"}},
        }
    ]
    row = {
        "messages": [
            {"role": "user", "content": "Price of MSFT?"},
            {"role": "assistant", "tool_calls": calls},
            {"role": "tool", "tool_call_id": "call_1", "content": "410.2"},
            {"role": "assistant", "content": "It is 410.2."},
        ],
        "tools": tools,
        "parallel_tool_calls": False,
    }
    compact = lambda value: json.dumps(value, separators=(",", ":"), ensure_ascii=False)  # noqa: E731
    result = counter.count_data(row)
    assert result is not None
    assert result.per_message[1] == 3 + n("assistant") + n(compact(calls))
    assert result.trained == n(compact(calls)) + n("It is 410.2.")
    assert result.total == sum(result.per_message) + 3 + n(compact(tools))


def test_preference_rows_count_input_and_both_outputs(counter: TokenCounter) -> None:
    row = {
        "input": {
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": "Hi"},
            ]
        },
        "preferred_output": [
            {"role": "assistant", "content": "Hello, how can I help?"}
        ],
        "non_preferred_output": [{"role": "assistant", "content": "What."}],
    }
    result = counter.count_data(row)
    assert result is not None
    assert len(result.per_message) == 4
    assert result.total == cookbook(
        row["input"]["messages"] + row["preferred_output"] + row["non_preferred_output"]
    )
    assert result.trained == n("Hello, how can I help?") + n("What.")


def test_completion_and_rft_rows(counter: TokenCounter) -> None:
    legacy = counter.count_data({"prompt": "Q: 2+2?", "completion": " 4"})
    assert legacy == ExampleTokens(
        n("Q: 2+2?") + n(" 4"), n(" 4"), (n("Q: 2+2?"), n(" 4"))
    )
    rft = counter.count_data(
        {"messages": [{"role": "user", "content": "Count down"}], "target": 7}
    )
    assert rft is not None
    assert (rft.total, rft.trained) == (
        cookbook([{"role": "user", "content": "Count down"}]),
        0,
    )


def test_non_examples_are_none(counter: TokenCounter) -> None:
    assert counter.count_data({"hello": "world"}) is None
    assert counter.count_record(parse_line(b"not json")) is None
    assert counter.count_record(parse_line(b"   ")) is None


def test_special_token_text_counts_as_plain_text(counter: TokenCounter) -> None:
    result = counter.count_data(chat(("user", "<|endoftext|>"), ("assistant", "ok")))
    assert result is not None
    assert result.per_message[0] == 3 + n("user") + len(
        O200K.encode_ordinary("<|endoftext|>")
    )


# ------------------------------------------------------------------ datasets
def test_count_dataset_matches_per_record_and_skips_bad_lines(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "d.jsonl", ROWS, ("", "{not json", "[1, 2]", '{"x": 1}')
    )
    dataset = open_dataset(path)
    counter = TokenCounter.for_model("gpt-4o-mini")
    result = count_dataset(dataset, "gpt-4o-mini", use_cache=False)
    assert result.exact
    assert result.complete
    assert result.encoding_name == "o200k_base"
    assert sorted(result.by_row) == list(range(len(ROWS)))
    for row_id, row in enumerate(ROWS):
        assert result.by_row[row_id] == counter.count_data(row)
    assert result.blank_rows == 1
    assert len(result.skipped_rows) == 3


def test_edited_rows_are_counted_as_edited(tmp_path: Path) -> None:
    dataset = open_dataset(write_jsonl(tmp_path / "d.jsonl", ROWS[:3]))
    new = chat(
        ("user", "A much longer question than before, with more words."),
        ("assistant", "Yes."),
    )
    dataset.set_data(1, new)
    dataset.delete([0])
    result = count_dataset(dataset, "gpt-4o-mini")
    assert sorted(result.by_row) == [1, 2]
    assert result.by_row[1].total == cookbook(new["messages"])


def test_dataset_from_records_works() -> None:
    dataset = Dataset.from_records(parse_line(json.dumps(r).encode()) for r in ROWS[:4])
    result = count_dataset(dataset, "gpt-4o", use_cache=False)
    assert [t.total for t in result.by_row.values()] == [
        cookbook(r["messages"]) for r in ROWS[:4]
    ]


def test_warm_count_equals_cold_and_reads_the_cache(tmp_path: Path) -> None:
    dataset = open_dataset(write_jsonl(tmp_path / "d.jsonl", ROWS, ("oops",)))
    cold = count_dataset(dataset, "gpt-4o-mini")
    assert cold.cached_rows == 0
    warm = count_dataset(dataset, "gpt-4o-mini")
    assert warm.by_row == cold.by_row
    assert warm.skipped_rows == cold.skipped_rows
    assert warm.cached_rows == len(ROWS) + 1
    assert warm.exact
    # another encoding does not reuse o200k counts
    other = count_dataset(dataset, "gpt-3.5-turbo")
    assert other.cached_rows == 0
    # one edited row: only it is counted again
    dataset.set_data(0, chat(("user", "changed"), ("assistant", "yes")))
    again = count_dataset(dataset, "gpt-4o-mini")
    assert again.cached_rows == len(ROWS)
    # a copy of the file elsewhere hits the cache too (keyed by content)
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes((tmp_path / "d.jsonl").read_bytes())
    assert count_dataset(open_dataset(copy), "gpt-4o-mini").cached_rows == len(ROWS) + 1


def test_warm_count_does_not_load_the_tokenizer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = open_dataset(write_jsonl(tmp_path / "d.jsonl", ROWS))
    cold = count_dataset(dataset, "gpt-4o-mini")
    tokens.reset_counters()

    def fail(name: str) -> Any:
        raise AssertionError("the tokenizer was loaded for a fully cached file")

    monkeypatch.setattr(tokens, "_load_encoding", fail)
    assert count_dataset(dataset, "gpt-4o-mini").by_row == cold.by_row


def test_broken_cache_file_does_not_break_counting(tmp_path: Path) -> None:
    bad = tmp_path / "cache.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    dataset = open_dataset(write_jsonl(tmp_path / "d.jsonl", ROWS[:3]))
    result = count_dataset(dataset, "gpt-4o-mini", cache=TokenCache(bad))
    assert len(result.by_row) == 3


def test_progress_and_cancellation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "_ROW_CHUNK", 5)
    dataset = open_dataset(write_jsonl(tmp_path / "d.jsonl", ROWS))
    seen: list[tuple[int, int]] = []
    full = count_dataset(
        dataset,
        "gpt-4o-mini",
        progress=lambda d, t: seen.append((d, t)),
        use_cache=False,
    )
    assert full.complete
    assert seen[-1] == (len(ROWS), len(ROWS))
    assert all(0 <= d <= t == len(ROWS) for d, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)

    polls = 0

    def stop_after_two() -> bool:
        nonlocal polls
        polls += 1
        return polls > 2

    partial = count_dataset(
        dataset, "gpt-4o-mini", should_stop=stop_after_two, use_cache=False
    )
    assert not partial.complete
    assert 0 < len(partial.by_row) < len(ROWS)
    for row_id, value in partial.by_row.items():
        assert value == full.by_row[row_id]


def test_many_distinct_strings_go_through_the_pool(tmp_path: Path) -> None:
    rows = [
        chat(("user", f"question number {i} " * 3), ("assistant", f"answer {i}"))
        for i in range(600)
    ]
    dataset = open_dataset(write_jsonl(tmp_path / "d.jsonl", rows))
    result = count_dataset(dataset, "gpt-4o-mini", use_cache=False)
    assert [result.by_row[i].total for i in range(600)] == [
        cookbook(r["messages"]) for r in rows
    ]


# ------------------------------------------------------------------ offline
@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[str]]:
    """No tokenizer files and no network: tiktoken's download fails at once."""
    calls: list[str] = []

    def no_network(blobpath: str) -> bytes:
        calls.append(blobpath)
        raise ConnectionError(f"network is off in this test ({blobpath})")

    empty = tmp_path / "empty-tiktoken-cache"
    empty.mkdir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(empty))
    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    tokens.reset_counters()
    yield calls
    tokens.reset_counters()


def test_offline_falls_back_to_an_estimate(offline: list[str], tmp_path: Path) -> None:
    dataset = open_dataset(write_jsonl(tmp_path / "d.jsonl", ROWS))
    start = time.perf_counter()
    result = count_dataset(dataset, "gpt-4o-mini")
    assert time.perf_counter() - start < 5
    assert offline, "tiktoken was expected to try (and fail) to download"
    assert not result.exact
    assert all(not value.exact for value in result.by_row.values())
    assert result.warning is not None
    assert "TIKTOKEN_CACHE_DIR" in result.warning
    row = ROWS[-1]["messages"]
    expected = (
        sum(
            3 + sum(math.ceil(len(v.encode()) / 4) for v in m.values()) + ("name" in m)
            for m in row
        )
        + 3
    )
    assert result.by_row[len(ROWS) - 1].total == expected
    # the tokenizer is tried once per process, not per example or per count
    tries = len(offline)
    again = count_dataset(dataset, "gpt-4o-mini")
    assert len(offline) == tries
    assert again.warning == result.warning


def test_estimates_are_not_cached_as_exact(
    offline: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = open_dataset(write_jsonl(tmp_path / "d.jsonl", ROWS))
    assert not count_dataset(dataset, "gpt-4o-mini").exact
    monkeypatch.undo()  # network and tokenizer files are back
    tokens.reset_counters()
    online = count_dataset(dataset, "gpt-4o-mini")
    assert online.exact
    assert online.cached_rows == 0
    assert online.by_row[0].total == cookbook(ROWS[0]["messages"])


def test_hanging_download_times_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(empty))
    monkeypatch.setattr(tiktoken.load, "read_file", lambda blobpath: time.sleep(1.0))
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    monkeypatch.setattr(tokens, "LOAD_TIMEOUT_S", 0.1)
    tokens.reset_counters()
    try:
        start = time.perf_counter()
        counter = TokenCounter.for_encoding("o200k_base")
        assert time.perf_counter() - start < 0.8
        assert not counter.exact
        assert "TIKTOKEN_CACHE_DIR" in (counter.warning or "")
        assert counter.count_text("abcdefgh") == 2
    finally:
        tokens.reset_counters()


# ------------------------------------------------------------------ oracle
def test_azure_tutorial_oracle_o200k() -> None:
    dataset = open_dataset(shared_dataset("azure_docs_tutorial_training_set.jsonl"))
    result = count_dataset(dataset, "gpt-4o-mini-2024-07-18")
    totals = [t.total for t in result.by_row.values()]
    trained = [t.trained for t in result.by_row.values()]
    assert (min(totals), max(totals), sum(totals), len(totals)) == (46, 59, 498, 10)
    assert (min(trained), max(trained), sum(trained)) == (13, 28, 165)  # mean 16.5
    assert result.exact


def test_azure_tutorial_oracle_cl100k() -> None:
    dataset = open_dataset(shared_dataset("azure_docs_tutorial_training_set.jsonl"))
    result = count_dataset(dataset, "gpt-35-turbo-0125")
    totals = [t.total for t in result.by_row.values()]
    assert (min(totals), max(totals), sum(totals)) == (47, 62, 521)


def test_azure_tutorial_validation_oracle() -> None:
    dataset = open_dataset(shared_dataset("azure_docs_tutorial_validation_set.jsonl"))
    totals = [t.total for t in count_dataset(dataset, "gpt-4o-mini").by_row.values()]
    assert (min(totals), max(totals), sum(totals)) == (41, 64, 489)


# ------------------------------------------------------------------ file snapshot
def test_reopening_an_unchanged_file_skips_hashing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", ROWS, ("", "oops"))
    cold = count_dataset(open_dataset(path), "gpt-4o-mini")

    def no_hashing(raw: bytes) -> bytes:
        raise AssertionError("lines were hashed although the file is unchanged")

    monkeypatch.setattr(tokens, "line_key", no_hashing)
    seen: list[tuple[int, int]] = []
    warm = count_dataset(
        open_dataset(path), "gpt-4o-mini", progress=lambda d, t: seen.append((d, t))
    )
    assert warm.by_row == cold.by_row
    assert warm.skipped_rows == cold.skipped_rows == [len(ROWS) + 1]
    assert warm.blank_rows == cold.blank_rows == 1
    assert warm.exact
    assert warm.encoding_name == "o200k_base"
    assert seen[-1] == (len(ROWS) + 2, len(ROWS) + 2)


def test_a_changed_file_is_not_read_from_its_snapshot(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", ROWS[:3])
    count_dataset(open_dataset(path), "gpt-4o-mini")
    longer = chat(("user", "now a different and longer question"), ("assistant", "ok"))
    write_jsonl(path, [*ROWS[:2], longer])
    result = count_dataset(open_dataset(path), "gpt-4o-mini")
    assert result.by_row[2].total == cookbook(longer["messages"])
    assert result.cached_rows == 2  # the two unchanged lines, by content


def test_edited_dataset_does_not_use_the_snapshot(tmp_path: Path) -> None:
    dataset = open_dataset(write_jsonl(tmp_path / "d.jsonl", ROWS[:3]))
    count_dataset(dataset, "gpt-4o-mini")
    new = chat(("user", "edited"), ("assistant", "fine"))
    dataset.set_data(0, new)
    assert count_dataset(dataset, "gpt-4o-mini").by_row[0].total == cookbook(
        new["messages"]
    )


def test_corrupt_snapshot_is_ignored() -> None:
    assert tokens._decode_snapshot(b"FTK1garbage", 3) is None
    assert tokens._decode_snapshot(b"nope", 0) is None


def test_fast_length_matches_encode_ordinary(counter: TokenCounter) -> None:
    for text in ("a\ud800b", "<|endoftext|><|fim_prefix|>", "", " " * 40, "日本語 ☕"):
        assert counter.count_text(text) == len(O200K.encode_ordinary(text))

    class Plain:  # a tiktoken without the private buffer API
        encode_ordinary = staticmethod(O200K.encode_ordinary)

    length = tokens._length_function(Plain())
    assert length("hello world") == n("hello world")


def test_concurrent_counts_agree(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    rows = [chat(("user", f"q {i} " * 20), ("assistant", f"a {i}")) for i in range(400)]
    dataset = open_dataset(write_jsonl(tmp_path / "d.jsonl", rows))
    with ThreadPoolExecutor(3) as pool:
        results = list(
            pool.map(lambda _: count_dataset(dataset, "gpt-4o-mini"), range(3))
        )
    expected = [cookbook(r["messages"]) for r in rows]
    for result in results:
        assert [result.by_row[i].total for i in range(400)] == expected


TRICKY = [
    "",
    " ",
    "\n\n",
    "  both ends  ",
    "trailing\n",
    "don't 'll 's",
    "naïve café ☕ 日本語",
    "x" * 3000,
    "<|fim_prefix|> <|endofprompt|>",
    "1234567 89",
    "\r\n\t mixed \t\r\n",
]


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_batched_counts_equal_encode_ordinary(name: str) -> None:
    encoding = tiktoken.get_encoding(name)
    counter = TokenCounter.for_encoding(name)
    assert counter.batched
    texts = [*TRICKY, *(t + " " + u for t in TRICKY for u in TRICKY[:4])]
    assert counter.count_many(texts) == [
        len(encoding.encode_ordinary(t)) for t in texts
    ]
    # the separator inside a string, or a lone surrogate: counted one by one
    odd = ["a <|endoftext|> b", "c"]
    assert counter.count_many(odd) == [len(encoding.encode_ordinary(t)) for t in odd]
    assert counter.count_many(["a\ud800b", "d"]) == [
        len(encoding.encode_ordinary(t)) for t in ["a\ud800b", "d"]
    ]


def test_batching_is_off_without_the_buffer_api() -> None:
    class Plain:
        encode_ordinary = staticmethod(O200K.encode_ordinary)

    assert tokens._batch_function(Plain()) is None


def test_cancel_while_a_chunk_is_encoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "_ROW_CHUNK", 20)
    monkeypatch.setattr(tokens, "_ENCODE_CHUNK", 8)  # use the pool for any chunk
    rows = [
        chat(("user", f"question {i}"), ("assistant", f"answer {i}"))
        for i in range(200)
    ]
    dataset = open_dataset(write_jsonl(tmp_path / "d.jsonl", rows))
    polls = 0

    def stop_after_three() -> bool:
        nonlocal polls
        polls += 1
        return polls > 3

    partial = count_dataset(
        dataset, "gpt-4o-mini", should_stop=stop_after_three, use_cache=False
    )
    assert not partial.complete
    assert 0 < len(partial.by_row) < 200
    for row_id, value in partial.by_row.items():
        assert value.total == cookbook(rows[row_id]["messages"])
    full = count_dataset(dataset, "gpt-4o-mini", use_cache=False)
    assert [full.by_row[i].total for i in range(200)] == [
        cookbook(r["messages"]) for r in rows
    ]


def test_garbage_collector_is_restored(tmp_path: Path) -> None:
    import gc

    dataset = open_dataset(write_jsonl(tmp_path / "d.jsonl", ROWS[:3]))
    assert gc.isenabled()
    count_dataset(dataset, "gpt-4o-mini")
    assert gc.isenabled()

    def boom(done: int, total: int) -> None:
        raise RuntimeError("progress failed")

    with pytest.raises(RuntimeError):
        count_dataset(dataset, "gpt-4o-mini", progress=boom, use_cache=False)
    assert gc.isenabled()
    gc.disable()
    try:
        count_dataset(dataset, "gpt-4o-mini")
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_cache_starts_over_when_too_big(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    dataset = open_dataset(write_jsonl(tmp_path / "d.jsonl", ROWS))
    count_dataset(dataset, "gpt-4o-mini", cache=TokenCache(path))
    assert count_dataset(dataset, "gpt-4o-mini", cache=TokenCache(path)).cached_rows
    small = TokenCache(path, max_bytes=1)
    assert count_dataset(dataset, "gpt-4o-mini", cache=small).cached_rows == 0
    small.close()
    assert count_dataset(dataset, "gpt-4o-mini", cache=TokenCache(path)).cached_rows


def test_bom_and_crlf_count_like_plain_lf(tmp_path: Path) -> None:
    plain = write_jsonl(tmp_path / "lf.jsonl", ROWS[:5])
    windows = tmp_path / "crlf.jsonl"
    windows.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes().replace(b"\n", b"\r\n"))
    lf = count_dataset(open_dataset(plain), "gpt-4o-mini", use_cache=False)
    crlf = count_dataset(open_dataset(windows), "gpt-4o-mini")
    assert crlf.by_row == lf.by_row
    assert not crlf.skipped_rows
    # and the per-line cache recognises the same lines in the other file
    assert count_dataset(open_dataset(plain), "gpt-4o-mini").cached_rows == 5
