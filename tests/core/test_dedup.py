"""Exact and near-duplicate detection: canonical keys, scope texts, groups, overlap."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rapidfuzz import fuzz, process

from ftui.core.dataset import Dataset, open_dataset
from ftui.core.dedup import (
    DedupCancelled,
    DedupSettings,
    ExactGroup,
    NearGroup,
    exact_duplicate_row_ids,
    find_duplicates,
    find_overlap,
)
from ftui.core.dedup_text import (
    canonical_key,
    diff_preview,
    printable,
    scope_content,
    scope_text,
)
from ftui.core.errors import FtuiError
from ftui.core.jsonl import dump_line, parse_line
from ftui.core.minhash import LshParams, candidate_pairs, shingle_hashes, signatures
from ftui.core.similarity import WordWeights, pair_score
from tests.conftest import EXAMPLE_DATASET
from tests.dedup_fixtures import (
    SYSTEM,
    chat,
    one_word_changed,
    templated,
    varied,
    write_jsonl,
)

NOTE = (
    "The patient is a 54-year-old man with three days of productive cough, fever "
    "of 38.4 C and crackles over the right lower lobe. Chest X-ray shows patchy "
    "consolidation. He has type 2 diabetes on metformin and no known allergies."
)
ANSWER = (
    "J18.9 - Pneumonia, unspecified organism: consolidation on X-ray with fever "
    "and cough.\nE11.9 - Type 2 diabetes mellitus without complications: "
    "metformin documented.\nZ79.84 - Long term use of oral hypoglycemic drugs."
)


def dataset_of(tmp_path: Path, rows: list[Any], name: str = "data.jsonl") -> Dataset:
    return open_dataset(write_jsonl(tmp_path / name, rows))


def groups_as_lines(report: Any) -> tuple[list[list[int]], list[list[int]]]:
    exact = [list(g.lines) for g in report.exact_groups]
    near = [list(g.lines) for g in report.near_groups]
    return exact, near


# ----------------------------------------------------------------- canonical key
@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(
            {"messages": [{"role": "user", "content": "hi"}]},
            {"messages": [{"content": "hi", "role": "user"}]},
            id="key-order",
        ),
        pytest.param(
            {"messages": [{"role": "user", "content": "a  b\n\tc"}]},
            {"messages": [{"role": "user", "content": "a b c"}]},
            id="whitespace-runs",
        ),
        pytest.param(
            {"messages": [{"role": "user", "content": "abc  \n"}]},
            {"messages": [{"role": "user", "content": "abc"}]},
            id="trailing-whitespace",
        ),
        pytest.param(
            {"messages": [{"role": "user", "content": "a\u00a0\u2003b"}]},
            {"messages": [{"role": "user", "content": "a b"}]},
            id="unicode-spaces",
        ),
    ],
)
def test_canonical_key_ignores_order_and_whitespace(
    a: dict[str, Any], b: dict[str, Any]
) -> None:
    assert canonical_key(a) == canonical_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param({"x": "hello"}, {"x": "hello!"}, id="punctuation"),
        pytest.param({"x": "Hello"}, {"x": "hello"}, id="case"),
        pytest.param({"x": "ab"}, {"x": "a b"}, id="space-inside-word"),
        pytest.param({"x": 1}, {"x": "1"}, id="type"),
        pytest.param({"w": 0, "x": "a"}, {"w": 1, "x": "a"}, id="weight"),
        pytest.param({"x": ["a", "b"]}, {"x": ["b", "a"]}, id="list-order"),
    ],
)
def test_canonical_key_keeps_real_differences(
    a: dict[str, Any], b: dict[str, Any]
) -> None:
    assert canonical_key(a) != canonical_key(b)


def test_canonical_key_casefold_is_optional() -> None:
    a, b = {"x": "Straße HELLO"}, {"x": "strasse hello"}
    assert canonical_key(a) != canonical_key(b)
    assert canonical_key(a, casefold=True) == canonical_key(b, casefold=True)


def test_canonical_key_handles_huge_integers() -> None:
    assert canonical_key({"n": 2**70}) == canonical_key({"n": 2**70})
    assert canonical_key({"n": 2**70}) != canonical_key({"n": 2**70 + 1})


# -------------------------------------------------------------------- scope text
def _record(data: dict[str, Any]) -> Any:
    return parse_line(dump_line(data))


def test_scope_text_leaves_system_prompt_out() -> None:
    record = _record(chat("Question  here", "Answer\nthere"))
    assert scope_text(record) == "question here\nanswer there"
    assert scope_text(record, "user") == "question here"
    assert scope_text(record, "assistant") == "answer there"
    assert "contoso" not in scope_text(record)
    assert scope_text(record, casefold=False) == "Question here\nAnswer there"


def test_scope_text_of_preference_rows_uses_input_and_both_outputs() -> None:
    row = {
        "input": {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Capital of France?"},
            ]
        },
        "preferred_output": [{"role": "assistant", "content": "Paris."}],
        "non_preferred_output": [{"role": "assistant", "content": "Lyon."}],
    }
    record = _record(row)
    assert scope_text(record) == "capital of france?\nparis.\nlyon."
    assert scope_text(record, "user") == "capital of france?"
    assert scope_text(record, "assistant") == "paris.\nlyon."


def test_scope_text_of_tool_calls_images_and_legacy_rows() -> None:
    tool_row = {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Chart?"},
                    {"type": "image_url", "image_url": {"url": "https://x/1.png"}},
                ],
            },
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "lookup", "arguments": '{"q": 1}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "42"},
            {"role": "assistant", "content": "It is 42."},
        ]
    }
    assert scope_content(_record(tool_row)) == (
        'chart?\nlookup {"q": 1}\n42\nit is 42.',
        ("https://x/1.png",),
    )
    legacy = _record({"prompt": "Say hi", "completion": " Hi!"})
    assert scope_text(legacy) == "say hi\nhi!"
    assert scope_text(legacy, "user") == "say hi"


def test_scope_text_is_empty_for_blank_invalid_and_unknown_lines() -> None:
    assert scope_text(parse_line(b"")) == ""
    assert scope_text(parse_line(b"{not json")) == ""
    assert scope_text(_record({"text": "free text"})) == ""


def test_printable_escapes_control_characters() -> None:
    assert printable("a\x1b[31mred\x07\nb\u202e") == "a\\x1b[31mred\\x07⏎b\\u202e"


def test_diff_preview_shows_what_changed() -> None:
    old = "the patient has pain in the right ankle after a fall"
    new = "the patient has pain in the left ankle after a fall"
    assert diff_preview(old, new) == ["…pain in the [-right-] {+left+}"]
    assert diff_preview(old, old) == []
    many = diff_preview("a b c d e f g h", "x b y d z f w h", max_changes=2)
    assert many[-1] == "(2 more changes)"


# ------------------------------------------------------------------ exact groups
def test_exact_groups_first_occurrence_is_representative(tmp_path: Path) -> None:
    base = chat(NOTE, ANSWER)
    reordered = {
        "messages": [
            {"content": m["content"], "role": m["role"]} for m in base["messages"]
        ]
    }
    spaced = chat(NOTE.replace(". ", ".   ") + "  ", ANSWER)
    other = chat("Something else entirely, about billing.", "Call billing.")
    rows = [other, base, "", "{broken", reordered, other, "", "{broken", spaced]
    report = find_duplicates(dataset_of(tmp_path, rows))
    exact, _ = groups_as_lines(report)
    assert exact == [[1, 6], [2, 5, 9]]
    assert report.examples == 5
    assert report.exact_groups[1].representative == 1  # row id of line 2


def test_exact_casefold_setting(tmp_path: Path) -> None:
    rows = [chat(NOTE, ANSWER), chat(NOTE.upper(), ANSWER.upper())]
    dataset = dataset_of(tmp_path, rows)
    assert find_duplicates(dataset).exact_groups == []
    folded = find_duplicates(dataset, DedupSettings(casefold=True))
    assert [list(g.lines) for g in folded.exact_groups] == [[1, 2]]
    # without casefold, case-only copies are still found as near-duplicates
    near = find_duplicates(dataset).near_groups
    assert [list(g.lines) for g in near] == [[1, 2]]
    assert near[0].min_score == 1.0


def test_exact_duplicate_row_ids_is_cached_per_version(tmp_path: Path) -> None:
    rows = [chat(NOTE, ANSWER), chat("a", "b"), chat(NOTE, ANSWER)]
    dataset = dataset_of(tmp_path, rows)
    assert exact_duplicate_row_ids(dataset) == [[0, 2]]
    result = exact_duplicate_row_ids(dataset)
    result.append([99])  # callers cannot corrupt the cache
    assert exact_duplicate_row_ids(dataset) == [[0, 2]]
    new_id = dataset.insert(0, chat("a", "b"))
    assert exact_duplicate_row_ids(dataset) == [[new_id, 1], [0, 2]]
    dataset.delete([2])
    assert exact_duplicate_row_ids(dataset) == [[new_id, 1]]
    dataset.undo()
    assert exact_duplicate_row_ids(dataset) == [[new_id, 1], [0, 2]]


def test_blank_and_invalid_lines_are_never_duplicates(tmp_path: Path) -> None:
    rows = ["", "", "[1, 2]", "[1, 2]", "{oops", "{oops", chat("a", "b")]
    dataset = dataset_of(tmp_path, rows)
    report = find_duplicates(dataset)
    assert report.exact_groups == []
    assert report.near_groups == []
    assert report.examples == 1
    assert report.redundant_row_ids() == set()


# ------------------------------------------------------------------ near groups
@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("right lower lobe", "left lower lobe", id="one-word"),
        pytest.param("productive cough, fever", "productive cough fever", id="punct"),
        pytest.param("54-year-old man", "55-year-old male", id="two-words"),
        pytest.param(
            "He has type 2",
            "Blood cultures were drawn before antibiotics. He has type 2",
            id="sentence-added",
        ),
        pytest.param(
            "Chest X-ray shows patchy consolidation. ", "", id="sentence-dropped"
        ),
        pytest.param("The patient is", "THE PATIENT IS", id="case"),
    ],
)
def test_near_duplicates_are_grouped(tmp_path: Path, old: str, new: str) -> None:
    base = chat(NOTE, ANSWER)
    rows = [*templated(12), base, one_word_changed(base, old, new)]
    report = find_duplicates(dataset_of(tmp_path, rows))
    assert report.exact_groups == []
    assert [list(g.lines) for g in report.near_groups] == [[13, 14]]
    group = report.near_groups[0]
    assert group.representative == 12
    assert 0.9 <= group.min_score < 1.0 or old.upper() == new
    assert group.score(13, 12) == group.min_score


def test_templated_distinct_examples_do_not_cluster(tmp_path: Path) -> None:
    # same system prompt, greeting, closing and detail templates; different
    # questions and answers: the hard case
    rows = templated(12)
    report = find_duplicates(dataset_of(tmp_path, rows))
    assert report.exact_groups == []
    assert report.near_groups == []
    for scope in ("user", "assistant"):
        settings = DedupSettings(scope=scope)
        assert find_duplicates(dataset_of(tmp_path, rows), settings).near_groups == []


def test_shared_long_system_prompt_does_not_make_examples_alike(
    tmp_path: Path,
) -> None:
    system = SYSTEM * 20  # 6,000 identical characters
    rows = [
        chat("What is the fee for a wire to Canada?", "It is 15 dollars.", system),
        chat("Can I open an account online?", "Yes, in about ten minutes.", system),
        chat("Where is the nearest branch?", "Use the branch finder.", system),
    ]
    report = find_duplicates(dataset_of(tmp_path, rows))
    assert report.near_groups == []
    assert report.exact_groups == []


def test_only_system_prompt_differs_is_a_near_duplicate(tmp_path: Path) -> None:
    rows = [chat(NOTE, ANSWER), chat(NOTE, ANSWER, system="Be terse.")]
    report = find_duplicates(dataset_of(tmp_path, rows))
    assert report.exact_groups == []
    assert [(list(g.lines), g.min_score) for g in report.near_groups] == [([1, 2], 1.0)]


def test_same_question_about_other_images_is_not_a_duplicate(
    tmp_path: Path,
) -> None:
    def ask(url: str, question: str) -> dict[str, Any]:
        content = [
            {"type": "text", "text": question},
            {"type": "image_url", "image_url": {"url": url}},
        ]
        return {
            "messages": [
                {"role": "user", "content": content},
                {"role": "assistant", "content": "44538"},
            ]
        }

    question = "What is the highest value in this chart?"
    rows = [
        ask("https://example.org/charts/12.png", question),
        ask("https://example.org/charts/14.png", question),
        ask(
            "https://example.org/charts/12.png",
            "what is the HIGHEST value in this chart",
        ),
    ]
    report = find_duplicates(dataset_of(tmp_path, rows))
    assert [list(g.lines) for g in report.near_groups] == [[1, 3]]


def test_templated_short_examples_differing_in_their_specifics(
    tmp_path: Path,
) -> None:
    # like a tool-calling set: one template, a different company each time;
    # fuzz.ratio alone scores these pairs above 0.9
    companies = [
        ("Chevron", "CVX"),
        ("IBM", "IBM"),
        ("Intel", "INTC"),
        ("Ford", "F"),
        ("Disney", "DIS"),
        ("Verizon", "VZ"),
        ("Oracle", "ORCL"),
        ("Merck", "MRK"),
    ]
    rows = []
    for name, symbol in companies:
        rows.append(
            {
                "messages": [
                    {
                        "role": "user",
                        "content": f"What was the opening price of {name}'s stock this morning?",
                    },
                    {
                        "role": "assistant",
                        "tool_calls": [
                            {
                                "id": "call_1",
                                "type": "function",
                                "function": {
                                    "name": "get_current_stock_price",
                                    "arguments": json.dumps({"symbol": symbol}),
                                },
                            }
                        ],
                    },
                ]
            }
        )
    texts = [scope_text(_record(r)) for r in rows]
    assert fuzz.ratio(texts[0], texts[1]) >= 90
    report = find_duplicates(dataset_of(tmp_path, rows))
    assert report.near_groups == []


def test_scope_decides_what_is_compared(tmp_path: Path) -> None:
    rows = [
        chat(NOTE, ANSWER),
        chat(NOTE, "R05.9 - Cough, unspecified: no diagnosis was confirmed."),
    ]
    dataset = dataset_of(tmp_path, rows)
    assert find_duplicates(dataset, DedupSettings(scope="all")).near_groups == []
    user = find_duplicates(dataset, DedupSettings(scope="user")).near_groups
    assert [list(g.lines) for g in user] == [[1, 2]]
    assert find_duplicates(dataset, DedupSettings(scope="assistant")).near_groups == []


def test_threshold_decides(tmp_path: Path) -> None:
    base = chat(NOTE, ANSWER)
    edited = one_word_changed(
        base, "He has", "Blood cultures were drawn before antibiotics. He has"
    )
    dataset = dataset_of(tmp_path, [base, edited])
    score = find_duplicates(dataset).near_groups[0].min_score
    assert 0.9 <= score < 0.97
    assert find_duplicates(dataset, DedupSettings(threshold=0.97)).near_groups == []
    assert find_duplicates(dataset, DedupSettings(threshold=score)).near_groups


def test_preference_rows_near_duplicates(tmp_path: Path) -> None:
    def dpo(question: str, good: str, bad: str) -> dict[str, Any]:
        return {
            "input": {
                "messages": [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": question},
                ]
            },
            "preferred_output": [{"role": "assistant", "content": good}],
            "non_preferred_output": [{"role": "assistant", "content": bad}],
        }

    rows = [
        dpo(NOTE, ANSWER, "I cannot help with coding."),
        dpo(NOTE.replace("right", "left"), ANSWER, "I cannot help with coding."),
        dpo("Summarize the attached discharge letter.", "Summary: stable.", "No."),
    ]
    report = find_duplicates(dataset_of(tmp_path, rows))
    assert [list(g.lines) for g in report.near_groups] == [[1, 2]]


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(FtuiError, match="threshold"):
        DedupSettings(threshold=0)
    with pytest.raises(FtuiError, match="threshold"):
        DedupSettings(threshold=90)
    with pytest.raises(FtuiError, match="scope"):
        DedupSettings(scope="system")  # type: ignore[arg-type]


# -------------------------------------------------------------- cluster building
def test_chain_of_near_duplicates_is_one_group(tmp_path: Path) -> None:
    a = chat(NOTE, ANSWER)
    b = one_word_changed(
        a,
        "54-year-old man with three days of productive cough, fever of 38.4 C",
        "61-year-old woman with two days of dry cough, fever of 39.1 C",
    )
    c = one_word_changed(
        b,
        "He has type 2 diabetes on metformin and no known allergies",
        "She has asthma on inhaled steroids and is allergic to penicillin",
    )
    dataset = dataset_of(tmp_path, [*templated(12), a, b, c])
    settings = DedupSettings(threshold=0.85)
    report = find_duplicates(dataset, settings)
    (group,) = report.near_groups
    assert group.lines == (13, 14, 15)
    # a and c are only linked through b: c is too far from a on its own
    assert {(p.a, p.b) for p in group.pairs} == {(12, 13), (13, 14)}
    assert group.min_score == min(p.score for p in group.pairs)
    assert group.min_score >= 0.85
    assert group.score(12, 14) is None
    assert group.score(14, 13) == group.pairs[1].score


def test_exact_and_near_groups_combine(tmp_path: Path) -> None:
    a = chat(NOTE, ANSWER)
    b = one_word_changed(a, "right", "left")
    rows = [a, chat("x y z", "w"), b, a, b, chat("x y z", "w")]
    report = find_duplicates(dataset_of(tmp_path, rows))
    exact, near = groups_as_lines(report)
    assert exact == [[1, 4], [2, 6], [3, 5]]
    assert near == [[1, 3]]  # representatives only
    assert report.redundant_row_ids() == {3, 5, 2, 4}
    assert isinstance(report.group_of(3), ExactGroup)
    assert report.near_group_of(3) is report.near_groups[0]  # via its exact group
    assert isinstance(report.group_of(2), ExactGroup)
    assert report.near_group_of(2) is report.near_groups[0]
    assert report.group_of(1) is report.exact_groups[1]
    assert report.near_group_of(1) is None


def test_group_of_unique_row_is_none(tmp_path: Path) -> None:
    report = find_duplicates(dataset_of(tmp_path, templated(3)))
    assert report.group_of(0) is None
    assert report.near_group_of(0) is None


# ---------------------------------------------------- candidate step correctness
def _exhaustive_groups(texts: list[str], threshold: float) -> set[frozenset[int]]:
    """Groups from scoring every pair (cdist prefilter, then the real score)."""
    scores = process.cdist(texts, texts, scorer=fuzz.ratio, workers=-1)
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    weights = WordWeights(texts)
    for i, j in zip(*np.nonzero(scores >= threshold * 100), strict=True):
        if i < j and pair_score(texts[i], texts[j], weights) >= threshold:
            parent[find(int(j))] = find(int(i))
    groups: dict[int, set[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(find(i), set()).add(i)
    return {frozenset(g) for g in groups.values() if len(g) > 1}


def test_lsh_finds_what_all_pairs_comparison_finds(tmp_path: Path) -> None:
    rows = varied(700)
    dataset = dataset_of(tmp_path, rows)
    report = find_duplicates(dataset)  # 700 texts: the LSH path
    found = {frozenset(g.row_ids) for g in report.near_groups}
    everything = find_duplicates(dataset, params=LshParams(exhaustive_below=10**6))
    assert {frozenset(g.row_ids) for g in everything.near_groups} == found
    expected = _exhaustive_groups([scope_text(r) for r in dataset], 0.9)
    assert len(expected) >= 60  # the fixture plants a near copy every 10 rows
    assert found == expected


def test_templated_rows_at_scale_do_not_cluster(tmp_path: Path) -> None:
    # 1,000 distinct rows from a handful of templates, on the LSH path
    rows = [
        chat(
            f"Hello, I have a question about my account. Order {n} of {n % 7} "
            f"items was shipped on day {n % 28 + 1} to warehouse {n * 37 % 1000}. "
            "Could you please help me with this? Thank you.",
            f"Thank you for contacting us. Refund {n * 13 % 9973} is approved. "
            "Is there anything else I can help you with today?",
        )
        for n in range(1000)
    ]
    assert find_duplicates(dataset_of(tmp_path, rows)).near_groups == []


def test_common_template_shingles_do_not_flood_candidates() -> None:
    # 400 texts sharing a 30-word template and differing in 15 random words:
    # without the template filter every band would collide
    rows = varied(400, seed=5)
    template = (
        "hello and thank you for writing to us today we are always happy to help "
        "with any question about your account card loans or online banking services"
    )
    texts = [template + " " + scope_text(_record(r), "user") for r in rows]
    params = LshParams()
    from ftui.core.minhash import common_shingles

    common = common_shingles(texts, params)
    assert len(common) >= 20  # the template's shingles
    pairs = candidate_pairs(signatures(texts, params, common), params)
    assert len(pairs) < 200  # ~40 planted pairs plus a few chance collisions
    unfiltered = candidate_pairs(
        signatures(texts, params, np.empty(0, np.uint64)), params
    )
    assert len(unfiltered) > 5 * len(pairs)


def test_shingles_ignore_punctuation_and_are_deterministic() -> None:
    hashes, owners = shingle_hashes(
        ["one two, three four five six", "one two three four five six!", "a b"]
    )
    first = hashes[owners == 0]
    assert list(first) == list(hashes[owners == 1])
    assert len(first) == 3  # 6 words, 4-word shingles
    assert len(hashes[owners == 2]) == 1
    again, _ = shingle_hashes(["one two three four five six"])
    assert list(again) == list(first)
    empty, _ = shingle_hashes(["", "!!!"])
    assert len(empty) == 0


def test_determinism_across_runs_and_orders(tmp_path: Path) -> None:
    rows = varied(700, seed=3)
    first = find_duplicates(dataset_of(tmp_path, rows, "a.jsonl"))
    second = find_duplicates(dataset_of(tmp_path, rows, "b.jsonl"))
    assert first.exact_groups == second.exact_groups
    assert first.near_groups == second.near_groups
    assert first.near_groups


# --------------------------------------------------- progress and cancellation
def test_progress_reaches_total(tmp_path: Path) -> None:
    dataset = dataset_of(tmp_path, varied(100))
    calls: list[tuple[int, int]] = []
    find_duplicates(dataset, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (200, 200)
    assert all(0 <= done <= total == 200 for done, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_should_stop_cancels(tmp_path: Path) -> None:
    dataset = dataset_of(tmp_path, varied(100))
    with pytest.raises(DedupCancelled):
        find_duplicates(dataset, should_stop=lambda: True)
    with pytest.raises(DedupCancelled):
        find_overlap(dataset, dataset, should_stop=lambda: True)


# -------------------------------------------------------------------- overlap
def test_find_overlap_reports_exact_and_near_leaks(tmp_path: Path) -> None:
    shared = chat(NOTE, ANSWER)
    examples = templated(12)
    train = dataset_of(
        tmp_path,
        [examples[0], shared, examples[1], examples[2], examples[2]],
        "train.jsonl",
    )
    leaked_near = one_word_changed(examples[1], "Hello", "Hi there")
    reordered = {
        "messages": [
            {"content": m["content"], "role": m["role"]} for m in shared["messages"]
        ]
    }
    validation = dataset_of(
        tmp_path,
        [examples[5], reordered, leaked_near, examples[2], examples[6]],
        "validation.jsonl",
    )
    overlaps = find_overlap(train, validation)
    summary = [(o.line, o.kind, o.other_lines) for o in overlaps]
    assert summary == [
        (2, "exact", (2,)),
        (3, "near", (3,)),
        (4, "exact", (4,)),
        (5, "exact", (4,)),
    ]
    assert overlaps[1].score >= 0.9
    assert overlaps[0].score == 1.0
    # rows of the same file never count as overlap
    assert find_overlap(train, dataset_of(tmp_path, [chat("q", "a")], "x.jsonl")) == []


def test_find_overlap_with_identical_scope_texts(tmp_path: Path) -> None:
    # the same conversation under different system prompts is not an exact
    # copy; every such row of the first file must still be reported
    train = dataset_of(
        tmp_path,
        [chat(NOTE, ANSWER, "A"), chat(NOTE, ANSWER, "B"), chat("q", "a")],
        "train.jsonl",
    )
    other = dataset_of(tmp_path, [chat(NOTE, ANSWER, "C")], "valid.jsonl")
    overlaps = find_overlap(train, other)
    assert [(o.line, o.kind, o.score) for o in overlaps] == [
        (1, "near", 1.0),
        (2, "near", 1.0),
    ]


def test_find_overlap_on_the_lsh_path_matches_all_pairs(tmp_path: Path) -> None:
    rows = varied(760, seed=11)  # a near copy follows every 10th row
    train = dataset_of(tmp_path, rows[:380], "train.jsonl")
    # validation: the rest, plus 20 exact copies of training rows
    validation = dataset_of(tmp_path, rows[380:] + rows[:200:10], "valid.jsonl")
    found = find_overlap(train, validation)
    everything = find_overlap(
        train, validation, params=LshParams(exhaustive_below=10**6)
    )
    assert found == everything
    assert [o.line for o in found if o.kind == "exact"] == list(range(1, 200, 10))
    # row 380 is the last training row; its near copy opens the validation file
    near = [(o.line, o.other_lines) for o in found if o.kind == "near"]
    assert (380, (1,)) in near
    assert all(o.score >= 0.9 for o in found)
    calls: list[tuple[int, int]] = []
    find_overlap(train, validation, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1][0] == calls[-1][1]


# -------------------------------------------------------------- bundled example
def test_bundled_example_has_exactly_its_planted_duplicates() -> None:
    if not EXAMPLE_DATASET.is_file():
        pytest.skip(f"{EXAMPLE_DATASET} is not written yet")
    report = find_duplicates(open_dataset(EXAMPLE_DATASET))
    exact, near = groups_as_lines(report)
    # core/data/README.md: line 12 copies line 3; line 23 nearly copies line 21
    assert exact == [[3, 12]]
    assert near == [[21, 23]]
    assert isinstance(report.near_groups[0], NearGroup)
    assert 0.9 <= report.near_groups[0].min_score < 1.0


def test_shared_dpo_sample_runs(tmp_path: Path) -> None:
    from tests.conftest import shared_dataset

    path = shared_dataset("foundry_dpo_orca_pairs_validation.jsonl")
    dataset = open_dataset(path)
    report = find_duplicates(dataset)
    assert report.examples == len(dataset)
    for group in itertools.chain(report.exact_groups, report.near_groups):
        assert list(group.lines) == sorted(group.lines)
