"""Hand-made examples for the duplicate-detection tests (shared by core and CLI tests)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

SYSTEM = (
    "You are a support assistant for Contoso Bank. Answer the customer's question "
    "politely and accurately, cite the relevant policy section, and never ask for "
    "full card numbers or passwords. If you are unsure, offer to connect the "
    "customer with a human agent."
)

_TOPICS = [
    "my card was declined at a grocery store",
    "I want to raise the daily transfer limit",
    "a payment to my landlord has not arrived",
    "I see a charge I do not recognize from a streaming service",
    "how do I order a replacement debit card",
    "my mortgage statement shows the wrong interest rate",
    "I forgot the answer to my security question",
    "the mobile app crashes when I open the savings tab",
    "can I close a joint account without the other holder",
    "why was I charged an overdraft fee last Tuesday",
    "how long does an international wire take to Canada",
    "I need a letter confirming my account balance for a visa",
]
_DETAILS = [
    "This happened on {day} around {hour} o'clock.",
    "The amount was {amount} dollars.",
    "I have been a customer for {years} years.",
    "I already tried restarting my phone and logging in again.",
    "My account ends in {digits}.",
    "I called yesterday but the line was busy for {minutes} minutes.",
    "It is the {ordinal} time this month.",
    "I am travelling in {country} until next week.",
]
_ANSWERS = [
    "Under section {section} of our card policy, declines at merchants are "
    "usually caused by a fraud hold; I have lifted it, so please try again.",
    "You can change the limit in Settings > Transfers; limits above {amount} "
    "dollars need a one-time code sent to your registered phone.",
    "Domestic transfers can take up to {days} business days. I have opened a "
    "trace with reference {digits} and will update you by email.",
    "I have flagged the charge as disputed under section {section}. You will "
    "see a provisional credit within {days} business days.",
    "A replacement card is free once a year and arrives in {days} business "
    "days; I have ordered it to the address on file.",
    "I have asked the mortgage team to review the rate. Section {section} says "
    "corrections are applied from the statement date.",
    "For your safety I cannot reset it here. Please visit a branch with photo "
    "ID, or verify yourself with the code we just texted you.",
    "Thanks for reporting it. Updating to version {section} fixes the crash; "
    "if it persists, clear the app cache in your phone settings.",
    "Both holders must sign the closure form (section {section}). I can mail "
    "a copy of the form to each of you today.",
    "The fee applies when the balance stays negative overnight. As a courtesy "
    "I have refunded the {amount} dollar fee this once.",
    "Wires to Canada usually arrive in one or two business days; those sent "
    "after 4 pm are processed the next morning.",
    "You can download a signed balance letter under Documents > Statements; "
    "embassies accept it without a stamp.",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_COUNTRIES = ["Spain", "Japan", "Kenya", "Brazil", "Norway", "Vietnam", "Peru"]
_ORDINALS = ["second", "third", "fourth", "fifth"]


def chat(user: str, assistant: str, system: str = SYSTEM) -> dict[str, Any]:
    """A three-message chat example."""
    return {
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
            {"role": "assistant", "content": assistant},
        ]
    }


def templated(count: int, seed: int = 0) -> list[dict[str, Any]]:
    """Distinct examples from the same templates and system prompt (the hard case).

    Each one has its own question and answer (up to 12; more repeat them with
    other details) wrapped in the same greeting, closing and detail sentences,
    under one shared system prompt: similar phrasing, different examples.
    """
    rng = random.Random(seed)
    examples = []
    for index in range(count):
        slots = {
            "day": rng.choice(_DAYS),
            "hour": rng.randint(1, 12),
            "amount": rng.randint(20, 5000),
            "years": rng.randint(1, 30),
            "digits": f"{rng.randint(0, 9999):04d}",
            "minutes": rng.randint(5, 90),
            "ordinal": rng.choice(_ORDINALS),
            "country": rng.choice(_COUNTRIES),
            "section": f"{rng.randint(1, 12)}.{rng.randint(1, 9)}",
            "days": rng.randint(2, 10),
        }
        topic = _TOPICS[index % len(_TOPICS)]
        answer = _ANSWERS[index % len(_ANSWERS)].format(**slots)
        details = " ".join(
            d.format(**slots) for d in rng.sample(_DETAILS, rng.randint(2, 4))
        )
        user = (
            f"Hello, I have a question about my account. {topic.capitalize()}. "
            f"{details} Could you please help me with this? Thank you."
        )
        assistant = (
            f"Thank you for contacting Contoso Bank. {answer} "
            "Is there anything else I can help you with today?"
        )
        examples.append(chat(user, assistant))
    return examples


def one_word_changed(example: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """A copy of `example` with the first `old` in the user turn replaced."""
    copy = json.loads(json.dumps(example))
    content = copy["messages"][1]["content"]
    assert old in content, (old, content)
    copy["messages"][1]["content"] = content.replace(old, new, 1)
    return copy


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    """Write rows (dicts are dumped, strings written as they are) one per line."""
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


_SYLLABLES = ["ka", "lo", "mi", "ter", "pro", "con", "di", "an", "ve", "ra", "sen"]
_SYLLABLES += ["tu", "pa", "lu", "ment", "ar", "or", "ic", "al", "re", "de", "na"]


def varied(count: int, seed: int = 1) -> list[dict[str, Any]]:
    """Unrelated examples of random made-up words (8-14 word sentences), with
    one near copy (a word changed or a sentence dropped) after every 10th."""
    rng = random.Random(seed)
    vocabulary = sorted(
        {"".join(rng.choices(_SYLLABLES, k=rng.randint(1, 3))) for _ in range(600)}
    )

    def sentence() -> str:
        words = rng.choices(vocabulary, k=rng.randint(8, 14))
        return " ".join(words).capitalize() + "."

    rows: list[dict[str, Any]] = []
    while len(rows) < count:
        user = [sentence() for _ in range(rng.randint(3, 6))]
        answer = [sentence() for _ in range(rng.randint(2, 4))]
        rows.append(chat(" ".join(user), " ".join(answer)))
        if len(rows) % 10 == 0 and len(rows) < count:
            if rng.random() < 0.5 and len(user) > 3:
                del user[rng.randrange(len(user))]
            else:
                words = " ".join(user).split(" ")
                words[rng.randrange(len(words))] = rng.choice(vocabulary)
                user = [" ".join(words)]
            rows.append(chat(" ".join(user), " ".join(answer)))
    return rows
