"""Generate a chat JSONL file with planted exact and near-duplicates for benchmarks.

Every example shares one system prompt and is written from the same templates
(an ICD-10 coding request: a clinical note made of templated sentences, an
answer made of templated code lines), so distinct examples look alike: that is
the hard case for near-duplicate detection. On top of that:

* siblings: distinct examples made from another one by rewriting about half of
  its note and all of its answer (similar, but *not* duplicates);
* refilled siblings: distinct examples using exactly another one's sentence
  templates in the same order, with every slot (patient, finding, drug,
  number, code) refilled: the same wording around different specifics;
* short siblings: short tool-calling examples, one templated question each
  ("What is {company} trading at today?") answered by a tool call: pairs
  asking the same question about different companies score above 0.9 with
  fuzz.ratio alone, yet are different examples;
* exact copies: the same object re-serialized (key order, spacing, whitespace
  inside strings changed) or copied byte for byte;
* near copies: one edit of a base example: whitespace and punctuation changes,
  one or two words changed, a sentence added, or a sentence dropped (turn order
  never changes); short examples get a case or punctuation change.

Usage: `python benchmarks/make_dedup_dataset.py OUT.jsonl --examples 10000`.
Writes OUT.jsonl and OUT.truth.json (1-based line numbers of every planted
family, sibling pair and refilled pair).
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SYSTEM = (
    "You are an ICD-10-CM coding assistant. Read the clinical note and return the "
    "ICD-10-CM codes the documentation supports, most specific first, one per line "
    "as 'CODE - description: rationale'. Do not code uncertain diagnoses in "
    "outpatient notes; code the signs and symptoms instead."
)

SLOTS: dict[str, list[str]] = {
    "sex": ["man", "woman", "male", "female", "patient"],
    "setting": [
        "outpatient",
        "emergency department",
        "urgent care",
        "telehealth",
        "inpatient",
        "follow-up",
        "pre-operative",
        "annual physical",
    ],
    "symptom": [
        "chest pain",
        "shortness of breath",
        "productive cough",
        "fever",
        "headache",
        "dizziness",
        "abdominal pain",
        "nausea",
        "back pain",
        "joint swelling",
        "palpitations",
        "fatigue",
        "rash",
        "dysuria",
        "wheezing",
        "sore throat",
        "ear pain",
        "numbness",
        "weight loss",
        "night sweats",
        "leg swelling",
        "blurred vision",
        "heartburn",
        "constipation",
        "diarrhea",
        "hematuria",
        "insomnia",
        "anxiety",
    ],
    "condition": [
        "type 2 diabetes",
        "hypertension",
        "asthma",
        "COPD",
        "atrial fibrillation",
        "hypothyroidism",
        "chronic kidney disease",
        "heart failure",
        "osteoarthritis",
        "migraine",
        "GERD",
        "hyperlipidemia",
        "depression",
        "obesity",
        "anemia",
        "gout",
        "psoriasis",
        "epilepsy",
        "sleep apnea",
        "cirrhosis",
    ],
    "drug": [
        "metformin",
        "lisinopril",
        "albuterol",
        "apixaban",
        "levothyroxine",
        "furosemide",
        "atorvastatin",
        "sertraline",
        "omeprazole",
        "allopurinol",
        "amlodipine",
        "insulin glargine",
        "prednisone",
        "gabapentin",
        "losartan",
        "warfarin",
        "tiotropium",
        "methotrexate",
    ],
    "freq": ["daily", "twice daily", "at bedtime", "as needed", "weekly"],
    "finding": [
        "tenderness",
        "crackles",
        "erythema",
        "edema",
        "a systolic murmur",
        "decreased breath sounds",
        "guarding",
        "ecchymosis",
        "a mass",
        "effusion",
        "reduced range of motion",
        "lymphadenopathy",
    ],
    "site": [
        "left knee",
        "right knee",
        "left ankle",
        "right ankle",
        "lower back",
        "right shoulder",
        "left shoulder",
        "chest wall",
        "right lower lobe",
        "left lower quadrant",
        "right upper quadrant",
        "left wrist",
        "right hip",
        "cervical spine",
        "left forearm",
        "right foot",
    ],
    "trigger": [
        "exertion",
        "lying flat",
        "meals",
        "cold air",
        "walking",
        "coughing",
        "stress",
        "bending",
        "stairs",
    ],
    "relief": ["rest", "antacids", "ibuprofen", "sitting up", "ice", "heat"],
    "imaging": ["X-ray", "CT", "MRI", "ultrasound", "echocardiogram"],
    "result": [
        "no acute fracture",
        "a small effusion",
        "mild degenerative change",
        "a 2 cm nodule",
        "patchy consolidation",
        "no abnormality",
        "a hairline fracture",
        "moderate stenosis",
        "fatty infiltration",
    ],
    "lab": [
        "A1c",
        "creatinine",
        "TSH",
        "hemoglobin",
        "potassium",
        "sodium",
        "troponin",
        "LDL",
        "eGFR",
        "WBC",
        "ALT",
        "INR",
    ],
    "plan": [
        "start physical therapy",
        "increase the dose",
        "order an MRI",
        "refer to cardiology",
        "refer to orthopedics",
        "start antibiotics",
        "repeat labs",
        "continue current therapy",
        "stop the medication",
        "schedule a colonoscopy",
        "start a nebulizer",
        "advise weight loss",
    ],
    "laterality": ["left", "right", "bilateral"],
    "doc": [
        "laterality",
        "the encounter type",
        "the stage",
        "the cause",
        "the episode of care",
        "the type of fracture",
        "the severity",
    ],
}

NOTE_SENTENCES = [
    "{age}-year-old {sex} presenting with {symptom} for {n} days.",
    "History of {condition}, on {drug} {dose} mg {freq}.",
    "Vitals: BP {sys}/{dia}, HR {hr}, temperature {temp} C, SpO2 {spo2}%.",
    "Exam shows {finding} over the {site}.",
    "Reports {symptom} that is worse with {trigger} and better with {relief}.",
    "{imaging} of the {site} shows {result}.",
    "Labs: {lab} {labval}, {lab2} {labval2}.",
    "Denies {symptom}, {symptom2} or {symptom3}.",
    "Assessed as {condition} with {symptom} since {month}.",
    "Plan: {plan} and follow up in {weeks} weeks.",
    "Also has {condition}, stable on {drug}.",
    "Fell from {height} feet {n} days ago and now has {finding} of the {site}.",
    "Smokes {packs} packs a day for {years} years; drinks {drinks} a week.",
    "Family history of {condition} in a {relative}.",
    "Symptoms started after {trigger} on {weekday}.",
    "Previous visit {weeks} weeks ago for {symptom}; {plan} was advised.",
    "The {relative} reports {symptom2} at night.",
    "No {finding} on the {laterality} side; {site} is normal.",
]

ANSWER_LINES = [
    "{code} - {condition}: {finding} of the {site} is documented.",
    "{code} - {symptom}, unspecified: the note does not confirm a cause.",
    "{code} - {condition} with {symptom}: the provider links them explicitly.",
    "{code} - Long term (current) use of {drug}: ongoing therapy is documented.",
    "{code} - {condition} of the {laterality} {site}: laterality is stated.",
    "{code} - History of {condition}: resolved, recorded for context.",
]
MISSING = [
    "Missing documentation: {doc} would allow a more specific code.",
    "Ask the provider to document {doc}.",
    "",
]
EXTRA_WORDS = [
    "mild",
    "severe",
    "acute",
    "chronic",
    "recurrent",
    "intermittent",
    "persistent",
    "left",
    "right",
    "new",
    "worsening",
    "stable",
    "improving",
    "sudden",
    "gradual",
]
WEEKDAYS = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
RELATIVES = ["mother", "father", "sister", "brother", "spouse", "daughter", "son"]


SHORT_SYSTEM = (
    "Don't make assumptions about what values to plug into functions. If you "
    "can't find the exact stock ticker symbol, ask for clarification."
)
SHORT_QUESTIONS = [
    ("What was the opening price of {name}'s stock this morning?", None),
    ("How much is one share of {name} trading for right now?", None),
    ("Can you tell me the current stock price of {name}?", None),
    ("What is {name} trading at today?", None),
    ("What's the latest quote for {name}?", None),
    ("Show me {name}'s closing prices for the last five days.", "5d"),
    ("How has {name} stock done over the past month?", "1mo"),
    ("What was the highest price {name} reached in the last five days?", "5d"),
    ("Give me a year of price history for {name}.", "1y"),
    ("Was {name} stock up or down over the last three months?", "3mo"),
]
COMPANIES = [
    ("Apple", "AAPL"),
    ("Microsoft", "MSFT"),
    ("Amazon", "AMZN"),
    ("Alphabet", "GOOGL"),
    ("Meta", "META"),
    ("Tesla", "TSLA"),
    ("Nvidia", "NVDA"),
    ("Intel", "INTC"),
    ("IBM", "IBM"),
    ("Oracle", "ORCL"),
    ("Cisco", "CSCO"),
    ("Adobe", "ADBE"),
    ("Salesforce", "CRM"),
    ("Netflix", "NFLX"),
    ("Disney", "DIS"),
    ("Comcast", "CMCSA"),
    ("Verizon", "VZ"),
    ("AT&T", "T"),
    ("Chevron", "CVX"),
    ("ExxonMobil", "XOM"),
    ("Pfizer", "PFE"),
    ("Merck", "MRK"),
    ("Johnson & Johnson", "JNJ"),
    ("AbbVie", "ABBV"),
    ("Eli Lilly", "LLY"),
    ("Coca-Cola", "KO"),
    ("PepsiCo", "PEP"),
    ("McDonald's", "MCD"),
    ("Starbucks", "SBUX"),
    ("Nike", "NKE"),
    ("Walmart", "WMT"),
    ("Costco", "COST"),
    ("Target", "TGT"),
    ("Home Depot", "HD"),
    ("Boeing", "BA"),
    ("Caterpillar", "CAT"),
    ("3M", "MMM"),
    ("General Electric", "GE"),
    ("Ford", "F"),
    ("General Motors", "GM"),
    ("JPMorgan Chase", "JPM"),
    ("Bank of America", "BAC"),
    ("Wells Fargo", "WFC"),
    ("Citigroup", "C"),
    ("Goldman Sachs", "GS"),
    ("Morgan Stanley", "MS"),
    ("Visa", "V"),
    ("Mastercard", "MA"),
    ("PayPal", "PYPL"),
    ("American Express", "AXP"),
    ("UPS", "UPS"),
    ("FedEx", "FDX"),
    ("Delta Air Lines", "DAL"),
    ("Uber", "UBER"),
    ("Airbnb", "ABNB"),
    ("Qualcomm", "QCOM"),
    ("AMD", "AMD"),
    ("Broadcom", "AVGO"),
    ("Texas Instruments", "TXN"),
    ("Honeywell", "HON"),
]


def short_example(question: str, period: str | None, name: str, symbol: str) -> Any:
    """A short tool-calling example: one templated question, one tool call."""
    if period is None:
        function, arguments = "get_current_stock_price", {"symbol": symbol}
    else:
        function = "get_last_nday_stock_price"
        arguments = {"symbol": symbol, "period": period}
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": function, "arguments": json.dumps(arguments)},
    }
    return [
        {"role": "system", "content": SHORT_SYSTEM},
        {"role": "user", "content": question.format(name=name)},
        {"role": "assistant", "tool_calls": [call]},
    ]


def _fill(template: str, rng: random.Random) -> str:
    values: dict[str, Any] = {name: rng.choice(words) for name, words in SLOTS.items()}
    values.update(
        symptom2=rng.choice(SLOTS["symptom"]),
        symptom3=rng.choice(SLOTS["symptom"]),
        lab2=rng.choice(SLOTS["lab"]),
        age=rng.randint(18, 95),
        n=rng.randint(1, 30),
        dose=rng.choice([5, 10, 20, 25, 40, 50, 100, 500, 1000]),
        sys=rng.randint(95, 190),
        dia=rng.randint(55, 115),
        hr=rng.randint(48, 130),
        temp=f"{rng.uniform(36.0, 39.8):.1f}",
        spo2=rng.randint(86, 100),
        labval=f"{rng.uniform(0.5, 12):.1f}",
        labval2=f"{rng.uniform(0.5, 140):.1f}",
        month=rng.choice(MONTHS),
        weeks=rng.randint(1, 12),
        height=rng.randint(2, 15),
        packs=rng.randint(1, 3),
        years=rng.randint(2, 40),
        drinks=rng.randint(0, 20),
        relative=rng.choice(RELATIVES),
        weekday=rng.choice(WEEKDAYS),
        code=f"{rng.choice('EIJKMNRSZ')}{rng.randint(0, 99):02d}."
        f"{rng.randint(0, 999):d}{rng.choice(['', 'A', 'D', 'S'])}",
    )
    return template.format(**values)


@dataclass
class Example:
    """One example as sentences, so edits can work on sentences and words."""

    setting: str
    note: list[str]
    answer: list[str]
    missing: str
    meta: dict[str, Any] = field(default_factory=dict)

    def messages(self) -> list[dict[str, str]]:
        user = (
            f"Please code this {self.setting} note.\n\n"
            + " ".join(self.note)
            + "\n\nList the ICD-10-CM codes, most specific first, with a one-line "
            "rationale each."
        )
        assistant = "\n".join(self.answer)
        if self.missing:
            assistant += "\n" + self.missing
        return [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": user},
            {"role": "assistant", "content": assistant},
        ]


def new_example(rng: random.Random) -> Example:
    """A fresh distinct example: 5-8 note sentences, 2-4 code lines."""
    sentences = rng.sample(NOTE_SENTENCES, rng.randint(5, 8))
    answers = rng.sample(ANSWER_LINES, rng.randint(2, 4))
    missing = rng.choice(MISSING)
    return Example(
        rng.choice(SLOTS["setting"]),
        [_fill(s, rng) for s in sentences],
        [_fill(a, rng) for a in answers],
        _fill(missing, rng),
        {"note": sentences, "answer": answers, "missing": missing},
    )


def sibling(base: Example, rng: random.Random) -> Example:
    """A distinct example close to `base`: half its note rewritten, a new answer."""
    note = list(base.note)
    for index in rng.sample(range(len(note)), (len(note) + 1) // 2):
        note[index] = _fill(rng.choice(NOTE_SENTENCES), rng)
    answers = rng.sample(ANSWER_LINES, rng.randint(2, 4))
    return Example(
        base.setting,
        note,
        [_fill(a, rng) for a in answers],
        _fill(rng.choice(MISSING), rng),
    )


def refilled(base: Example, rng: random.Random) -> Example:
    """A distinct example with exactly `base`'s templates, every slot refilled.

    The same sentences in the same order with other patients, findings, drugs,
    numbers and codes: the closest a distinct templated example gets.
    """
    return Example(
        base.setting,
        [_fill(t, rng) for t in base.meta["note"]],
        [_fill(t, rng) for t in base.meta["answer"]],
        _fill(base.meta["missing"], rng),
    )


def _change_words(text: str, count: int, rng: random.Random) -> str:
    words = text.split(" ")
    for index in rng.sample(range(len(words)), min(count, len(words))):
        words[index] = rng.choice(EXTRA_WORDS)
    return " ".join(words)


def near_copy(base: Example, rng: random.Random) -> tuple[Example, str]:
    """One mild edit of `base`; returns the copy and the edit's name."""
    copy = Example(base.setting, list(base.note), list(base.answer), base.missing)
    edit = rng.choice(["punctuation", "words", "add_sentence", "drop_sentence"])
    if edit == "drop_sentence" and len(copy.note) < 6:
        edit = "add_sentence"
    if edit == "punctuation":
        index = rng.randrange(len(copy.note))
        sentence = copy.note[index]
        sentence = sentence.replace(", ", " , ", 1) if ", " in sentence else sentence
        copy.note[index] = sentence.rstrip(".") + rng.choice(["", "!", ";", " ."])
        copy.answer[0] = copy.answer[0].replace(":", " -", 1) + "  "
    elif edit == "words":
        count = rng.randint(1, 2)
        if rng.random() < 0.7:
            index = rng.randrange(len(copy.note))
            copy.note[index] = _change_words(copy.note[index], count, rng)
        else:
            index = rng.randrange(len(copy.answer))
            copy.answer[index] = _change_words(copy.answer[index], count, rng)
    elif edit == "add_sentence":
        copy.note.insert(
            rng.randint(0, len(copy.note)), _fill(rng.choice(NOTE_SENTENCES), rng)
        )
    else:
        del copy.note[rng.randrange(len(copy.note))]
    return copy, edit


def _serialize(messages: list[dict[str, str]], style: int) -> str:
    if style == 0:
        return json.dumps({"messages": messages}, ensure_ascii=False)
    if style == 1:  # keys reordered, no spaces
        reordered = [dict(reversed(list(m.items()))) for m in messages]
        return json.dumps(
            {"messages": reordered}, ensure_ascii=False, separators=(",", ":")
        )
    # whitespace inside the strings changed: doubled spaces, trailing space
    spaced = [
        {**m, "content": m["content"].replace(". ", ".  ") + " "}
        if "content" in m
        else m
        for m in messages
    ]
    return json.dumps({"messages": spaced}, ensure_ascii=False, indent=None)


def _short_near(messages: list[dict[str, Any]], rng: random.Random) -> Any:
    """A punctuation or case edit of a short example's question."""
    copy = json.loads(json.dumps(messages))
    question = copy[1]["content"]
    if rng.random() < 0.5:
        copy[1]["content"] = question.rstrip("?.") + rng.choice(["", " ?", "!"])
    else:
        copy[1]["content"] = question.lower()
    return copy


def generate(
    total: int,
    seed: int = 7,
    *,
    exact_share: float = 0.05,
    near_share: float = 0.10,
    sibling_share: float = 0.10,
    refilled_share: float = 0.05,
    short_share: float = 0.03,
) -> tuple[list[str], dict[str, Any]]:
    """Build the lines and the ground truth.

    Args:
        total: Number of lines.
        seed: Random seed (same seed, same file).
        exact_share: Share of lines that are exact copies.
        near_share: Share of lines that are near copies.
        sibling_share: Share of lines that are siblings (distinct, half the
            note shared).
        refilled_share: Share of lines that are refilled siblings (distinct,
            same templates in the same order, every value different).
        short_share: Share of lines that are short tool-calling examples (one
            templated question about one company each; at most one per
            company and question); a quarter of them get a near copy (case or
            punctuation changed).

    Returns:
        `(lines, truth)`; truth has `families` (base line, exact copy lines,
        near copy lines with their edit), `siblings` and `refilled` (line
        pairs of long distinct examples) and `short_siblings` (pairs of short
        examples asking the same question about different companies).
    """
    rng = random.Random(seed)
    combos = [
        (q, c) for q in range(len(SHORT_QUESTIONS)) for c in range(len(COMPANIES))
    ]
    rng.shuffle(combos)
    n_short = min(int(total * short_share), len(combos))
    n_short_near = n_short // 4
    n_exact = int(total * exact_share)
    n_near = int(total * near_share)
    n_sibling = int(total * sibling_share)
    n_refilled = int(total * refilled_share)
    n_base = total - n_exact - n_near - n_sibling - n_refilled - n_short - n_short_near
    items: list[tuple[str, int, str, Any]] = []  # (json, family, role, detail)
    bases = [new_example(rng) for _ in range(n_base)]
    for family, example in enumerate(bases):
        items.append((_serialize(example.messages(), 0), family, "base", None))
    short_messages = []
    for number, (q, c) in enumerate(sorted(combos[:n_short])):
        question, period = SHORT_QUESTIONS[q]
        messages = short_example(question, period, *COMPANIES[c])
        short_messages.append(messages)
        items.append((_serialize(messages, 0), n_base + number, "base", (q, c)))
    for number in rng.sample(range(n_short), n_short_near):
        near = _short_near(short_messages[number], rng)
        items.append((_serialize(near, 0), n_base + number, "near", "short_case_punct"))
    for _ in range(n_sibling):
        family = rng.randrange(n_base)
        example = sibling(bases[family], rng)
        items.append((_serialize(example.messages(), 0), -1, "sibling", family))
    for _ in range(n_refilled):
        family = rng.randrange(n_base)
        example = refilled(bases[family], rng)
        items.append((_serialize(example.messages(), 0), -1, "refilled", family))
    for _ in range(n_exact):
        family = rng.randrange(n_base)
        style = rng.randint(0, 2)
        items.append(
            (_serialize(bases[family].messages(), style), family, "exact", style)
        )
    for _ in range(n_near):
        family = rng.randrange(n_base)
        example, edit = near_copy(bases[family], rng)
        items.append((_serialize(example.messages(), 0), family, "near", edit))
    # bases in random order; every copy and sibling lands somewhere after its
    # base, so the first occurrence (the representative ftui keeps) is the base
    base_key = {}
    for item in items:
        if item[2] == "base":
            base_key[item[1]] = rng.random()
    keyed: list[tuple[float, int, tuple[str, int, str, Any]]] = []
    for position, item in enumerate(items):
        if item[2] == "base":
            keyed.append((base_key[item[1]], position, item))
        else:
            family = item[3] if item[2] in ("sibling", "refilled") else item[1]
            keyed.append((rng.uniform(base_key[family], 1.0), position, item))
    keyed.sort()
    order = [item for _, _, item in keyed]
    line_of_base: dict[int, int] = {}
    families: dict[int, dict[str, Any]] = {}
    pairs: dict[str, list[list[int]]] = {"sibling": [], "refilled": []}
    pending = []
    short_lines: dict[int, list[int]] = {}
    for line, (_, family, role, detail) in enumerate(order, 1):
        if role == "base":
            line_of_base[family] = line
            families[family] = {"base": line, "exact": [], "near": []}
            if family >= n_base:
                short_lines.setdefault(detail[0], []).append(line)
        elif role == "exact":
            families[family]["exact"].append(line)
        elif role == "near":
            families[family]["near"].append({"line": line, "edit": detail})
        else:
            pending.append((role, detail, line))
    for role, family, line in pending:
        pairs[role].append([line_of_base[family], line])
    short_siblings = [
        [a, b]
        for lines in short_lines.values()
        for a, b in zip(sorted(lines), sorted(lines)[1:], strict=False)
    ]
    truth = {
        "seed": seed,
        "lines": total,
        "families": [f for f in families.values() if f["exact"] or f["near"]],
        "siblings": pairs["sibling"],
        "refilled": pairs["refilled"],
        "short_siblings": short_siblings,
    }
    return [text for text, *_ in order], truth


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    lines, truth = generate(args.examples, args.seed)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args.out.with_suffix(".truth.json").write_text(json.dumps(truth), encoding="utf-8")
    size = args.out.stat().st_size
    print(f"wrote {args.out}: {len(lines)} lines, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
