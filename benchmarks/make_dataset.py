"""Generate synthetic chat fine-tuning JSONL files for the benchmarks.

Examples look like real curated data, shaped like the data performance.md was
measured on: a system prompt drawn from a pool of 12 (120-280 words, so it
repeats), 1-3 user/assistant turns of English-like text (mostly real words that
are one o200k token each, some made-up words that take several); ~3.6 KB per
example, ~4.2 content bytes per token, system prompts ~35% of the text; an
occasional `weight: 0` turn; 1% exact duplicate examples. Output goes to
benchmarks/out/ (git-ignored)::

    python benchmarks/make_dataset.py 10000          # -> benchmarks/out/chat_10k.jsonl
    python benchmarks/make_dataset.py 1000 10000 100000
    # less repetition: short system prompts (a smaller share of the text)
    python benchmarks/make_dataset.py 10000 --system-words 40 140 --tag=-shortsys
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import orjson

OUT = Path(__file__).resolve().parent / "out"

_COMMON = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "with",
    "was",
    "on",
    "be",
    "by",
    "this",
    "are",
    "from",
    "or",
    "at",
    "an",
    "patient",
    "code",
    "claim",
    "diagnosis",
    "procedure",
    "billing",
    "service",
    "date",
    "record",
    "note",
    "visit",
    "please",
    "explain",
    "why",
    "which",
    "should",
    "would",
    "could",
    "model",
    "answer",
    "question",
    "data",
    "value",
    "result",
    "report",
    "review",
    "check",
    "update",
    "customer",
    "order",
    "account",
    "number",
    "time",
    "example",
]
_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ter",
    "pro",
    "con",
    "di",
    "an",
    "tion",
    "ing",
    "ex",
    "ve",
    "ra",
    "sen",
    "tu",
    "pa",
    "lu",
    "ment",
    "ar",
    "or",
    "ic",
    "al",
    "re",
    "de",
    "in",
    "com",
    "per",
    "ble",
    "na",
    "ti",
    "mo",
    "ca",
    "ly",
    "st",
    "ph",
    "gra",
    "cy",
    "ous",
]


def _real_words(limit: int = 4000) -> list[str]:
    """Frequent lower-case English words: whole-word tokens of o200k_base.

    Falls back to a short built-in list when the tokenizer is not available.
    """
    try:
        import tiktoken

        encoding = tiktoken.get_encoding("o200k_base")
    except Exception:
        return list(_COMMON)
    words = []
    for token in range(1000, 60000):
        text = encoding.decode_single_token_bytes(token)
        word = text[1:]
        if (
            text[:1] == b" "
            and word.isalpha()
            and word.islower()
            and 3 <= len(word) <= 10
        ):
            words.append(text[1:].decode("ascii", "ignore"))
        if len(words) >= limit:
            break
    return words or list(_COMMON)


def _vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    """Mostly real words (one token each) and some made-up ones (several)."""
    real = _real_words()
    made_up: set[str] = set()
    while len(made_up) < size // 3:
        made_up.add("".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4))))
    return real + sorted(made_up)


def _text(rng: random.Random, vocab: list[str], n_words: int) -> str:
    words = rng.choices(vocab, k=n_words)
    sentences = []
    for start in range(0, n_words, 14):
        sentence = " ".join(words[start : start + 14])
        sentences.append(sentence[:1].upper() + sentence[1:] + ".")
    return " ".join(sentences)


def make_examples(
    n: int, seed: int = 1234, system_words: tuple[int, int] = (120, 280)
) -> list[bytes]:
    """Build `n` JSONL lines (without terminators), deterministic for a seed.

    Args:
        n: Number of examples.
        seed: Random seed.
        system_words: Length range of the pooled system prompts, in words.
    """
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    prompts = [_text(rng, vocab, rng.randint(*system_words)) for _ in range(12)]
    lines: list[bytes] = []
    for index in range(n):
        if index > 10 and rng.random() < 0.01:  # a few exact duplicates
            lines.append(lines[rng.randrange(len(lines))])
            continue
        messages: list[dict[str, object]] = [
            {"role": "system", "content": rng.choice(prompts)}
        ]
        turns = rng.randint(1, 3)
        for turn in range(turns):
            messages.append(
                {"role": "user", "content": _text(rng, vocab, rng.randint(20, 80))}
            )
            reply: dict[str, object] = {
                "role": "assistant",
                "content": _text(rng, vocab, rng.randint(50, 170)),
            }
            if turn < turns - 1 and rng.random() < 0.2:
                reply["weight"] = 0
            messages.append(reply)
        lines.append(orjson.dumps({"messages": messages}))
    return lines


def write_dataset(
    n: int,
    path: Path | None = None,
    seed: int = 1234,
    system_words: tuple[int, int] = (120, 280),
    tag: str = "",
) -> Path:
    """Write a synthetic dataset of `n` examples; returns its path."""
    if path is None:
        label = f"{n // 1000}k" if n % 1000 == 0 else str(n)
        path = OUT / f"chat{tag}_{label}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        for line in make_examples(n, seed, system_words):
            handle.write(line + b"\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000, 100000])
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument(
        "--system-words",
        nargs=2,
        type=int,
        default=(120, 280),
        metavar=("MIN", "MAX"),
        help="length range of the pooled system prompts in words (default 120 280)",
    )
    parser.add_argument(
        "--tag", default="", help="inserted in the file name: chat<TAG>_10k.jsonl"
    )
    args = parser.parse_args()
    for n in args.sizes:
        path = write_dataset(
            n, seed=args.seed, system_words=tuple(args.system_words), tag=args.tag
        )
        print(f"{path}  {n:,} examples  {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
