"""Validation rules: one case per rule code, line numbers, broken files, real samples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from ftui.core.dataset import Dataset, open_dataset
from ftui.core.jsonl import parse_line
from ftui.core.validation import (
    MAX_FILE_BYTES,
    PORTAL_FILE_BYTES,
    RULES,
    Issue,
    Severity,
    ValidationReport,
    validate_dataset,
    validate_record,
)
from tests.conftest import EXAMPLE_DATASET, shared_dataset

SYS = {"role": "system", "content": "You code clinical notes."}
USER = {"role": "user", "content": "Patient with essential hypertension."}
ANSWER = {"role": "assistant", "content": "I10 - Essential hypertension."}
DEV = {"role": "developer", "content": "Answer with ICD-10-CM codes."}
IMG = "https://example.org/xray.png"


def chat(*messages: Any, **fields: Any) -> dict[str, Any]:
    return {"messages": list(messages), **fields}


def user_parts(*parts: Any) -> dict[str, Any]:
    return {"role": "user", "content": list(parts)}


def image(url: str = IMG, **extra: Any) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url, **extra}}


def call(
    call_id: str = "call_1", name: str = "lookup_code", arguments: Any = "{}"
) -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }


def calling(*calls: Any) -> dict[str, Any]:
    return {"role": "assistant", "tool_calls": list(calls)}


def tool_result(call_id: Any = "call_1") -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": "I10"}


def tool(name: str = "lookup_code") -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": name, "parameters": {"type": "object"}},
    }


def dpo(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "input": {"messages": [SYS, USER]},
        "preferred_output": [ANSWER],
        "non_preferred_output": [{"role": "assistant", "content": "I11.9"}],
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def record(line: Any, number: int = 1) -> Any:
    raw = line if isinstance(line, bytes) else json.dumps(line).encode()
    return parse_line(raw, b"\n", number, 0)


def issues_of(line: Any) -> list[Issue]:
    return validate_record(record(line), row_id=0)


# (code, line, path of the expected issue)
LINE_CASES: list[tuple[str, Any, str]] = [
    ("invalid_utf8", b'{"messages": "\xff"}', ""),
    ("invalid_json", b'{"messages": [{"role": "user"', ""),
    ("not_object", b'["a", "list"]', ""),
    ("blank_line", b"   ", ""),
    ("reinforcement_format", {"messages": [USER], "target": 24}, ""),
    ("completion_format", {"prompt": "note", "completion": "I10"}, ""),
    ("unknown_format", {"text": "I10 is hypertension"}, ""),
    ("unrecognized_field", chat(SYS, USER, ANSWER, id=7), "id"),
    ("missing_messages", {"tools": [tool()]}, "messages"),
    ("invalid_messages", {"messages": "hello"}, "messages"),
    ("empty_messages", {"messages": []}, "messages"),
    ("too_many_messages", chat(*([USER, ANSWER] * 1025)), "messages"),
    ("missing_assistant_message", chat(SYS, USER), "messages"),
    ("nothing_to_train", chat(SYS, USER, {**ANSWER, "weight": 0}), "messages"),
    ("missing_system_message", chat(USER, ANSWER), "messages"),
    ("missing_user_message", chat(SYS, ANSWER), "messages"),
    ("too_many_images", chat(SYS, user_parts(*[image()] * 65), ANSWER), "messages"),
    ("message_not_object", chat(SYS, "hi", USER, ANSWER), "messages[1]"),
    ("missing_role", chat(SYS, {"content": "x"}, USER, ANSWER), "messages[1].role"),
    (
        "unrecognized_role",
        chat(SYS, USER, ANSWER, {"role": "bot", "content": "x"}),
        "messages[3].role",
    ),
    ("unrecognized_key", chat(SYS, {**USER, "lang": "en"}, ANSWER), "messages[1].lang"),
    (
        "key_not_allowed_for_role",
        chat(SYS, {**USER, "tool_call_id": "call_1"}, ANSWER),
        "messages[1].tool_call_id",
    ),
    (
        "weight_not_allowed",
        chat(SYS, {**USER, "weight": 1}, ANSWER),
        "messages[1].weight",
    ),
    (
        "invalid_weight",
        chat(SYS, USER, {**ANSWER, "weight": 0.5}),
        "messages[2].weight",
    ),
    ("missing_content", chat(SYS, USER, {"role": "assistant"}), "messages[2].content"),
    (
        "empty_content",
        chat(SYS, USER, {**ANSWER, "content": " "}),
        "messages[2].content",
    ),
    (
        "invalid_content_type",
        chat(SYS, {**USER, "content": 5}, ANSWER),
        "messages[1].content",
    ),
    (
        "invalid_content_part",
        chat(SYS, user_parts({"type": "text", "txt": "x"}), ANSWER),
        "messages[1].content[0].text",
    ),
    (
        "unsupported_content_part",
        chat(SYS, user_parts({"type": "audio", "audio": "x"}), ANSWER),
        "messages[1].content[0].type",
    ),
    (
        "image_in_assistant",
        chat(SYS, USER, {"role": "assistant", "content": [image()]}),
        "messages[2].content[0]",
    ),
    (
        "image_not_allowed",
        chat({"role": "system", "content": [image()]}, USER, ANSWER),
        "messages[0].content[0]",
    ),
    (
        "invalid_image_url",
        chat(SYS, user_parts(image("file:///tmp/x.png")), ANSWER),
        "messages[1].content[0].image_url.url",
    ),
    (
        "unsupported_image_format",
        chat(SYS, user_parts(image("data:image/gif;base64,R0lG")), ANSWER),
        "messages[1].content[0].image_url.url",
    ),
    (
        "invalid_image_detail",
        chat(SYS, user_parts(image(detail="medium")), ANSWER),
        "messages[1].content[0].image_url.detail",
    ),
    ("invalid_name", chat(SYS, {**USER, "name": 5}, ANSWER), "messages[1].name"),
    (
        "missing_name",
        chat(
            SYS,
            USER,
            {"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}},
            {"role": "function", "content": "I10"},
            ANSWER,
        ),
        "messages[3].name",
    ),
    (
        "invalid_refusal",
        chat(SYS, USER, {**ANSWER, "refusal": 1}),
        "messages[2].refusal",
    ),
    (
        "invalid_tool_call",
        chat(SYS, USER, {"role": "assistant", "tool_calls": "lookup"}),
        "messages[2].tool_calls",
    ),
    (
        "invalid_function_call",
        chat(SYS, USER, {"role": "assistant", "function_call": "lookup"}),
        "messages[2].function_call",
    ),
    (
        "invalid_tool_arguments",
        chat(SYS, USER, calling(call(arguments="{bad json")), tool_result(), ANSWER),
        "messages[2].tool_calls[0].function.arguments",
    ),
    (
        "unknown_tool_name",
        chat(
            SYS,
            USER,
            calling(call(name="get_time")),
            tool_result(),
            ANSWER,
            tools=[tool()],
        ),
        "messages[2].tool_calls[0].function.name",
    ),
    (
        "missing_tool_call_id",
        chat(SYS, USER, calling(call()), {"role": "tool", "content": "I10"}, ANSWER),
        "messages[3].tool_call_id",
    ),
    (
        "unknown_tool_call_id",
        chat(SYS, USER, calling(call()), tool_result("call_9"), ANSWER),
        "messages[3].tool_call_id",
    ),
    ("invalid_tools", chat(SYS, USER, ANSWER, tools="lookup_code"), "tools"),
    (
        "invalid_functions",
        chat(SYS, USER, ANSWER, functions={"name": "f"}),
        "functions",
    ),
    (
        "deprecated_functions",
        chat(SYS, USER, ANSWER, functions=[{"name": "f"}]),
        "functions",
    ),
    (
        "too_many_tools",
        chat(SYS, USER, ANSWER, tools=[tool(f"f{i}") for i in range(129)]),
        "tools",
    ),
    (
        "invalid_parallel_tool_calls",
        chat(SYS, USER, ANSWER, parallel_tool_calls="true"),
        "parallel_tool_calls",
    ),
    ("dpo_missing_input", dpo(input="prompt"), "input"),
    ("dpo_missing_input_messages", dpo(input={"messages": []}), "input.messages"),
    ("dpo_invalid_output", dpo(preferred_output=[]), "preferred_output"),
    (
        "dpo_invalid_output_role",
        dpo(preferred_output=[{"role": "user", "content": "x"}]),
        "preferred_output[0].role",
    ),
    (
        "dpo_identical_outputs",
        dpo(non_preferred_output=[ANSWER]),
        "non_preferred_output",
    ),
]

FILE_RULES = {
    "too_few_examples",
    "mixed_formats",
    "file_too_large",
    "azure_portal_size_limit",
    "duplicate_example",
    "over_training_context",
}


def test_every_rule_has_a_test_case() -> None:
    covered = {code for code, _, _ in LINE_CASES} | FILE_RULES
    assert covered == set(RULES)


def test_rule_codes_are_stable_snake_case() -> None:
    for code, rule in RULES.items():
        assert code == rule.code
        assert code.replace("_", "").isalnum()
        assert code == code.lower()


@pytest.mark.parametrize(
    ("code", "line", "path"), LINE_CASES, ids=[c[0] for c in LINE_CASES]
)
def test_rule(code: str, line: Any, path: str) -> None:
    issues = issues_of(line)
    matching = [issue for issue in issues if issue.code == code]
    assert matching, f"{code} not reported; got {[i.code for i in issues]}"
    issue = matching[0]
    assert issue.path == path
    assert issue.severity is RULES[code].severity
    assert issue.line == 1
    assert issue.row_id == 0
    assert len(issue.message) > 20  # says what is wrong and how to fix it
    if path.startswith("messages["):
        assert issue.message_index == int(path[len("messages[") :].split("]")[0])


CLEAN_EXAMPLES: list[tuple[str, dict[str, Any]]] = [
    ("plain", chat(SYS, USER, ANSWER)),
    ("developer", chat(DEV, USER, ANSWER)),
    (
        "multi-turn weights",
        chat(SYS, USER, {**ANSWER, "weight": 0}, USER, {**ANSWER, "weight": 1}),
    ),
    (
        "tool calls",
        chat(
            SYS,
            USER,
            {**calling(call(arguments='{"term": "hypertension"}')), "content": None},
            tool_result(),
            ANSWER,
            tools=[tool()],
            parallel_tool_calls=False,
        ),
    ),
    ("final tool call", chat(SYS, USER, calling(call()), tools=[tool()])),
    (
        "legacy function call",
        chat(
            SYS,
            USER,
            {"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}},
            {"role": "function", "name": "f", "content": "I10"},
            ANSWER,
        ),
    ),
    (
        "vision",
        chat(
            SYS,
            user_parts(
                {"type": "text", "text": "What fracture?"},
                image(detail="low"),
                image("data:image/png;base64,iVBORw0KGgo="),
            ),
            {"role": "assistant", "content": [{"type": "text", "text": "S52.531A"}]},
        ),
    ),
    ("refusal", chat(SYS, USER, {**ANSWER, "refusal": None})),
    ("named user", chat(SYS, {**USER, "name": "coder_1"}, ANSWER)),
    ("dpo", dpo()),
]


@pytest.mark.parametrize(
    ("name", "data"), CLEAN_EXAMPLES, ids=[c[0] for c in CLEAN_EXAMPLES]
)
def test_clean_examples_have_no_issue(name: str, data: dict[str, Any]) -> None:
    assert issues_of(data) == []


def test_role_typo_suggests_the_right_role() -> None:
    issues = issues_of(chat(SYS, USER, {**ANSWER, "role": "asistant"}))
    role_issue = next(i for i in issues if i.code == "unrecognized_role")
    assert 'did you mean "assistant"' in role_issue.message
    # the typo is the one cause: no second "no assistant message" error
    assert [i.code for i in issues] == ["unrecognized_role"]


@pytest.mark.parametrize("weight", [True, 2, -1, "1", None, 1.0])
def test_weight_must_be_integer_zero_or_one(weight: Any) -> None:
    issues = issues_of(chat(SYS, USER, {**ANSWER, "weight": weight}))
    assert [i.code for i in issues] == ["invalid_weight"]


def test_weight_zero_on_one_turn_is_fine_when_another_trains() -> None:
    data = chat(SYS, USER, {**ANSWER, "weight": 0}, USER, ANSWER)
    assert issues_of(data) == []


@pytest.mark.parametrize(
    "arguments", [{"term": "x"}, ["x"], 5, None, "", "not json", "{'single': 1}"]
)
def test_tool_arguments_must_be_a_json_string(arguments: Any) -> None:
    data = chat(SYS, USER, calling(call(arguments=arguments)), tool_result(), ANSWER)
    assert [i.code for i in issues_of(data)] == ["invalid_tool_arguments"]


def test_tool_arguments_accept_any_json_text() -> None:
    for arguments in (
        '{"a": [1, 2]}',
        "[]",
        "3",
        '"x"',
        '{"n": 123456789012345678901}',
    ):
        data = chat(
            SYS, USER, calling(call(arguments=arguments)), tool_result(), ANSWER
        )
        assert issues_of(data) == [], arguments


def test_tool_result_must_follow_its_call() -> None:
    data = chat(SYS, USER, tool_result(), calling(call()), tool_result(), ANSWER)
    issues = issues_of(data)
    assert [(i.code, i.path) for i in issues] == [
        ("unknown_tool_call_id", "messages[2].tool_call_id")
    ]


@pytest.mark.parametrize(
    ("tools", "path"),
    [
        ([{"type": "retrieval"}], "tools[0].type"),
        ([{"type": "function"}], "tools[0].function"),
        (
            [{"type": "function", "function": {"parameters": {}}}],
            "tools[0].function.name",
        ),
        (
            [{"type": "function", "function": {"name": "f", "parameters": "x"}}],
            "tools[0].function.parameters",
        ),
        (["f"], "tools[0]"),
    ],
)
def test_tools_shape(tools: list[Any], path: str) -> None:
    issues = issues_of(chat(SYS, USER, ANSWER, tools=tools))
    assert ("invalid_tools", path) in {(i.code, i.path) for i in issues}


@pytest.mark.parametrize(
    ("call_value", "path"),
    [
        ({"type": "function", "function": {"name": "f", "arguments": "{}"}}, ".id"),
        (
            {"id": "c", "type": "code", "function": {"name": "f", "arguments": "{}"}},
            ".type",
        ),
        ({"id": "c", "type": "function", "function": "f"}, ".function"),
        (
            {"id": "c", "type": "function", "function": {"arguments": "{}"}},
            ".function.name",
        ),
        ("c", ""),
    ],
)
def test_tool_call_shape(call_value: Any, path: str) -> None:
    issues = issues_of(chat(SYS, USER, calling(call_value)))
    assert ("invalid_tool_call", f"messages[2].tool_calls[0]{path}") in {
        (i.code, i.path) for i in issues
    }


def test_sixty_four_images_are_fine() -> None:
    data = chat(SYS, user_parts(*[image()] * 64), ANSWER)
    assert issues_of(data) == []


def test_dpo_missing_parts() -> None:
    data = {"input": {"messages": [USER]}, "preferred_output": [ANSWER]}
    issues = issues_of(data)
    assert ("dpo_invalid_output", "non_preferred_output") in {
        (i.code, i.path) for i in issues
    }
    only_outputs = {"preferred_output": [ANSWER], "non_preferred_output": [ANSWER]}
    codes = {i.code for i in issues_of(only_outputs)}
    assert "dpo_missing_input" in codes


def test_dpo_output_messages_follow_message_rules() -> None:
    data = dpo(preferred_output=[{"role": "assistant", "content": "x", "wieght": 1}])
    assert ("unrecognized_key", "preferred_output[0].wieght") in {
        (i.code, i.path) for i in issues_of(data)
    }


def test_reinforcement_and_completion_rows_say_what_they_are() -> None:
    rft = issues_of({"messages": [USER], "answer": "42", "difficulty": 3})
    assert rft[0].severity is Severity.ERROR
    assert "reinforcement fine-tuning" in rft[0].message
    assert '"answer"' in rft[0].message
    legacy = issues_of({"prompt": "p", "completion": "c"})
    assert "prompt" in legacy[0].message
    assert "babbage-002" in legacy[0].message


def test_messages_quote_dataset_text_safely() -> None:
    data = chat(SYS, {**USER, "x\x1b[31m": 1}, ANSWER)
    issue = issues_of(data)[0]
    assert "\x1b" not in issue.message


def test_issue_json_shape() -> None:
    issue = issues_of(chat(SYS, {**USER, "weight": 1}, ANSWER))[0]
    assert issue.to_json() == {
        "line": 1,
        "severity": "error",
        "code": "weight_not_allowed",
        "path": "messages[1].weight",
        "message": issue.message,
    }


# ------------------------------------------------------------------ whole files
def lines_of(*rows: Any) -> bytes:
    out = []
    for row in rows:
        out.append(row if isinstance(row, bytes) else json.dumps(row).encode())
    return b"\n".join(out) + b"\n"


def clean_rows(n: int) -> list[dict[str, Any]]:
    return [
        chat(SYS, {**USER, "content": f"Note {i}: hypertension."}, ANSWER)
        for i in range(n)
    ]


def validate_bytes(tmp_path: Path, content: bytes, **kwargs: Any) -> ValidationReport:
    path = tmp_path / "data.jsonl"
    path.write_bytes(content)
    return validate_dataset(open_dataset(path), **kwargs)


def codes_by_line(report: ValidationReport) -> dict[int | None, set[str]]:
    out: dict[int | None, set[str]] = {}
    for issue in report.issues:
        out.setdefault(issue.line, set()).add(issue.code)
    return out


def test_clean_file(tmp_path: Path) -> None:
    report = validate_bytes(tmp_path, lines_of(*clean_rows(12)))
    assert report.issues == []
    assert (report.format, report.lines, report.examples) == ("chat", 12, 12)
    assert report.ok


def test_too_few_examples(tmp_path: Path) -> None:
    report = validate_bytes(tmp_path, lines_of(*clean_rows(9)))
    assert [(i.code, i.line, i.severity) for i in report.issues] == [
        ("too_few_examples", None, Severity.ERROR)
    ]
    assert "9 valid examples" in report.issues[0].message


def test_examples_with_errors_do_not_count(tmp_path: Path) -> None:
    rows = [*clean_rows(9), chat(SYS, USER)]
    report = validate_bytes(tmp_path, lines_of(*rows))
    assert report.examples == 9
    assert "too_few_examples" in codes_by_line(report)[None]


def test_mixed_formats(tmp_path: Path) -> None:
    rows = [*clean_rows(10), dpo(), *clean_rows(1)]
    report = validate_bytes(tmp_path, lines_of(*rows))
    assert report.format == "mixed"
    mixed = [i for i in report.issues if i.code == "mixed_formats"]
    assert len(mixed) == 1
    assert mixed[0].severity is Severity.ERROR
    assert "line 1" in mixed[0].message
    assert "line 11" in mixed[0].message


def test_preference_file_format(tmp_path: Path) -> None:
    report = validate_bytes(tmp_path, lines_of(*[dpo() for _ in range(10)]))
    # identical DPO rows are exact duplicates of line 1
    assert report.format == "preference"
    assert report.examples == 10
    assert codes_by_line(report)[2] == {"duplicate_example"}


@pytest.mark.parametrize(
    ("size", "codes"),
    [
        (PORTAL_FILE_BYTES, set()),
        (PORTAL_FILE_BYTES + 1, {"azure_portal_size_limit"}),
        (MAX_FILE_BYTES + 1, {"azure_portal_size_limit", "file_too_large"}),
    ],
)
def test_file_size_limits(tmp_path: Path, size: int, codes: set[str]) -> None:
    report = validate_bytes(tmp_path, lines_of(*clean_rows(10)), file_size=size)
    assert {i.code for i in report.issues} == codes
    if codes:
        big = [i for i in report.issues if i.code == "file_too_large"]
        assert all(i.severity is Severity.WARNING for i in big)


def test_duplicates_ignore_key_order_and_spacing(tmp_path: Path) -> None:
    rows = clean_rows(10)
    first = rows[3]
    reordered = {
        "messages": [
            {"content": m["content"], "role": m["role"]} for m in first["messages"]
        ]
    }
    spaced = json.dumps(first, indent=None, separators=(" , ", " : ")).encode()
    report = validate_bytes(tmp_path, lines_of(*rows, reordered, spaced))
    dupes = [i for i in report.issues if i.code == "duplicate_example"]
    assert [i.line for i in dupes] == [11, 12]
    assert all("line 4" in i.message for i in dupes)
    assert all(i.severity is Severity.WARNING for i in dupes)
    # duplicates are still valid examples
    assert report.examples == 12


def test_canonical_form_sorts_nested_keys() -> None:
    a = {"x": {"b": 1, "a": [{"d": 1, "c": 2}]}}
    b = {"x": {"a": [{"c": 2, "d": 1}], "b": 1}}
    assert orjson.dumps(a, option=orjson.OPT_SORT_KEYS) == orjson.dumps(
        b, option=orjson.OPT_SORT_KEYS
    )


def test_over_training_context(tmp_path: Path) -> None:
    rows = clean_rows(10)
    path = tmp_path / "data.jsonl"
    path.write_bytes(lines_of(*rows))
    dataset = open_dataset(path)
    totals = {row_id: 100 for row_id in dataset.row_ids}
    totals[4] = 5000
    report = validate_dataset(dataset, training_context=4096, token_totals=totals)
    over = [i for i in report.issues if i.code == "over_training_context"]
    assert [(i.line, i.row_id) for i in over] == [(5, 4)]
    assert "5,000" in over[0].message
    assert "4,096" in over[0].message
    assert "truncated" in over[0].message
    # without a context there is no token check
    plain = validate_dataset(dataset, token_totals=totals)
    assert not any(i.code == "over_training_context" for i in plain.issues)


def test_line_numbers_with_bom_crlf_and_blank_lines(tmp_path: Path) -> None:
    rows = clean_rows(10)
    content = (
        b"\xef\xbb\xbf"
        + json.dumps(rows[0]).encode()
        + b"\r\n\r\n"
        + b"\r\n".join(json.dumps(r).encode() for r in rows[1:5])
        + b"\r\n   \r\n"
        + json.dumps(chat(SYS, {**USER, "weight": 1}, ANSWER)).encode()
        + b"\r\n"
        + b"\r\n".join(json.dumps(r).encode() for r in rows[5:])
        + b"\r\n{broken"  # last line without newline
    )
    report = validate_bytes(tmp_path, content)
    assert codes_by_line(report) == {
        2: {"blank_line"},
        7: {"blank_line"},
        8: {"weight_not_allowed"},
        14: {"invalid_json"},
    }
    assert report.lines == 14
    assert report.examples == 10
    assert report.errors == 2
    assert report.warnings == 2


def test_broken_file_reports_every_bad_line(tmp_path: Path) -> None:
    rows: list[Any] = clean_rows(10)
    bad: dict[int, str] = {}
    layout: list[Any] = []
    problems = [
        (b"\xff\xfe not utf-8", "invalid_utf8"),
        (b'{"messages": [', "invalid_json"),
        (b"42", "not_object"),
        (b"", "blank_line"),
        ({"prompt": "a", "completion": "b"}, "completion_format"),
        ({"messages": [USER], "solution": "x"}, "reinforcement_format"),
        ({"foo": 1}, "unknown_format"),
        (chat(SYS, USER, {"role": "asistant", "content": "x"}), "unrecognized_role"),
        (
            b'{"messages": [{"role": "user", "content": "a"}, {"role": "assistant"',
            "invalid_json",
        ),
        (b"null", "not_object"),
    ]
    for i, row in enumerate(rows):
        layout.append(row)
        if i < len(problems):
            line, code = problems[i]
            layout.append(line)
            bad[len(layout)] = code
    report = validate_bytes(tmp_path, lines_of(*layout))
    found = codes_by_line(report)
    for line, code in bad.items():
        assert code in found.get(line, set()), (line, code, found.get(line))
    good_lines = set(range(1, len(layout) + 1)) - set(bad)
    assert not good_lines & set(found)  # clean lines have no issue
    assert report.lines == len(layout) == 20
    assert report.examples == 10
    assert report.format == "chat"
    # one error per bad line, except the blank line (a warning)
    assert report.errors == sum(1 for code in bad.values() if code != "blank_line")
    assert report.warnings == 1


def test_by_row_and_order(tmp_path: Path) -> None:
    rows = [
        *clean_rows(3),
        chat(SYS, {**USER, "weight": 1}, ANSWER),
        b"",
        *clean_rows(5)[3:],
    ]
    report = validate_bytes(tmp_path, lines_of(*rows))
    assert report.issues[0].code == "too_few_examples"  # file-level first
    assert [i.line for i in report.issues[1:]] == [4, 5]
    assert set(report.by_row) == {3, 4}
    assert report.by_row[3][0].code == "weight_not_allowed"


def test_new_rows_have_no_line(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(lines_of(*clean_rows(10)))
    dataset = open_dataset(path)
    row_id = dataset.insert(0, chat(SYS, {**USER, "weight": 1}, ANSWER))
    report = validate_dataset(dataset)
    issue = report.by_row[row_id][0]
    assert (issue.code, issue.line, issue.row_id) == (
        "weight_not_allowed",
        None,
        row_id,
    )


def test_from_records_dataset() -> None:
    records = [record(row, n) for n, row in enumerate(clean_rows(10), 1)]
    report = validate_dataset(Dataset.from_records(records))
    assert report.issues == []
    assert report.examples == 10


def test_progress_and_cancel(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(lines_of(*clean_rows(2500)))
    dataset = open_dataset(path)
    calls: list[tuple[int, int]] = []
    report = validate_dataset(dataset, progress=lambda d, t: calls.append((d, t)))
    assert calls[0] == (0, 2500)
    assert calls[-1] == (2500, 2500)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert not report.cancelled
    assert report.lines == 2500

    stopped = validate_dataset(dataset, should_stop=lambda: True)
    assert stopped.cancelled
    assert stopped.lines < 2500
    assert not any(i.code == "too_few_examples" for i in stopped.issues)


def test_report_json(tmp_path: Path) -> None:
    report = validate_bytes(tmp_path, lines_of(*clean_rows(10), b"{oops"))
    data = report.to_json(tmp_path / "data.jsonl")
    assert list(data) == [
        "file",
        "format",
        "lines",
        "examples",
        "errors",
        "warnings",
        "issues",
    ]
    assert data["file"] == str(tmp_path / "data.jsonl")
    assert (data["lines"], data["examples"], data["errors"]) == (11, 10, 1)
    assert data["issues"] == [
        {
            "line": 11,
            "severity": "error",
            "code": "invalid_json",
            "path": "",
            "message": report.issues[0].message,
        }
    ]
    json.dumps(data)


def test_empty_file(tmp_path: Path) -> None:
    report = validate_bytes(tmp_path, b"")
    assert report.format == "empty"
    assert report.lines == 0
    assert [i.code for i in report.issues] == ["too_few_examples"]


# ------------------------------------------------------------------ bundled and real files
def test_bundled_example_dataset_has_its_planted_problems() -> None:
    report = validate_dataset(open_dataset(EXAMPLE_DATASET))
    assert codes_by_line(report) == {12: {"duplicate_example"}}
    assert "line 3" in report.by_row[11][0].message
    assert (report.lines, report.examples, report.format) == (36, 36, "chat")


@pytest.mark.parametrize(
    "name",
    [
        "azure_docs_tutorial_training_set.jsonl",
        "azure_docs_tutorial_validation_set.jsonl",
        "foundry_sft_toolcall_stock_training.jsonl",
        "foundry_sft_vision_chartqa_validation.jsonl",
        "foundry_dpo_orca_pairs_validation.jsonl",
    ],
)
def test_shared_samples_have_no_errors(name: str) -> None:
    dataset = open_dataset(shared_dataset(name))
    report = validate_dataset(dataset)
    assert report.errors == 0, [
        i.to_json() for i in report.issues if i.severity == "error"
    ]
    assert report.examples == report.lines == len(dataset)


def test_shared_multiturn_weights_sample() -> None:
    # three examples: only the file-level minimum of ten is an error
    report = validate_dataset(
        open_dataset(shared_dataset("azure_docs_multiturn_weight_example.jsonl"))
    )
    assert [i.code for i in report.issues] == ["too_few_examples"]
    assert report.examples == 3


def test_shared_vision_sample_formats() -> None:
    report = validate_dataset(
        open_dataset(shared_dataset("foundry_sft_vision_chartqa_validation.jsonl"))
    )
    # the sample has no system prompt: a warning per example, nothing else
    assert {i.code for i in report.issues} == {"missing_system_message"}


def test_shared_dpo_sample_is_preference() -> None:
    report = validate_dataset(
        open_dataset(shared_dataset("foundry_dpo_orca_pairs_validation.jsonl"))
    )
    assert report.format == "preference"
    assert report.lines == 284


def test_malformed_calls_are_reported_once() -> None:
    for bad in ({"tool_calls": "lookup"}, {"function_call": "lookup"}):
        codes = [
            i.code for i in issues_of(chat(SYS, USER, {"role": "assistant", **bad}))
        ]
        assert len(codes) == 1, codes
        assert codes[0] in ("invalid_tool_call", "invalid_function_call")


@pytest.mark.parametrize(
    "assistant",
    [
        {"role": "assistant", "tool_calls": []},
        {"role": "assistant", "content": None},
        {"role": "assistant", "function_call": None},
    ],
)
def test_assistant_needs_content_or_calls(assistant: dict[str, Any]) -> None:
    assert [i.code for i in issues_of(chat(SYS, USER, assistant))] == [
        "missing_content"
    ]


def test_empty_dpo_input_messages_message() -> None:
    issue = issues_of(dpo(input={"messages": []}))[0]
    assert "an empty list" in issue.message
