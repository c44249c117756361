"""Small in-memory datasets for the emulator tests (no shared files needed)."""

from __future__ import annotations

import json

CAPITALS = [
    ("France", "Paris"),
    ("Japan", "Tokyo"),
    ("Kenya", "Nairobi"),
    ("Peru", "Lima"),
    ("Canada", "Ottawa"),
    ("Norway", "Oslo"),
    ("Egypt", "Cairo"),
    ("Chile", "Santiago"),
    ("India", "New Delhi"),
    ("Italy", "Rome"),
    ("Spain", "Madrid"),
    ("Ghana", "Accra"),
]
SYSTEM = "You answer geography questions in one sentence."


def reply_for(country: str, city: str) -> str:
    """The assistant reply taught for one country."""
    return f"The capital of {country} is {city}."


def chat_line(country: str, city: str) -> dict[str, object]:
    """One chat fine-tuning example."""
    return {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"What is the capital city of {country}?"},
            {"role": "assistant", "content": reply_for(country, city)},
        ]
    }


def jsonl(rows: list[dict[str, object]], newline: str = "\n") -> bytes:
    """Rows as JSONL bytes."""
    return "".join(json.dumps(r) + newline for r in rows).encode("utf-8")


def training_bytes(n: int = 10) -> bytes:
    """A valid chat training file with `n` (<= 12) examples."""
    return jsonl([chat_line(c, k) for c, k in CAPITALS[:n]])


def validation_bytes() -> bytes:
    """A valid validation file: 10 examples with other wording."""
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Name the capital of {country}."},
                {"role": "assistant", "content": f"{city}."},
            ]
        }
        for country, city in CAPITALS[2:12]
    ]
    return jsonl(rows)


def invalid_bytes() -> bytes:
    """A training file the validator rejects: a broken line and a bad role."""
    rows = [chat_line(c, k) for c, k in CAPITALS[:10]]
    rows[3]["messages"][2]["role"] = "asistant"  # type: ignore[index]
    lines = jsonl(rows).splitlines(keepends=True)
    lines[6] = b'{"messages": [{"role": "user", "content": "cut off\n'
    return b"".join(lines)


def preference_bytes(n: int = 10) -> bytes:
    """A valid DPO (preference) training file."""
    rows = [
        {
            "input": {
                "messages": [
                    {"role": "user", "content": f"What is the capital city of {c}?"}
                ]
            },
            "preferred_output": [{"role": "assistant", "content": reply_for(c, k)}],
            "non_preferred_output": [{"role": "assistant", "content": "I don't know."}],
        }
        for c, k in CAPITALS[:n]
    ]
    return jsonl(rows)
