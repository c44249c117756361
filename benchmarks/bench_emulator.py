"""Time the emulator through the real openai SDK: request rate, upload, a whole job.

Prints, for one run on this machine:

- requests per second for `jobs.retrieve` (async SDK, sequential, keep-alive) and
  for 8 concurrent clients;
- upload of an N-example chat file until `processed` (validation runs in the
  background) and `jobs.create` (ftui's token count);
- the real time of a 10-example job from `pending` to `succeeded` at speed 1000::

    TIKTOKEN_CACHE_DIR=../shared/tiktoken-cache \\
        python benchmarks/bench_emulator.py --examples 20000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from openai import AsyncAzureOpenAI

from ftui.core.emulator.server import start_emulator

MODEL = "gpt-4o-mini-2024-07-18"


def _file(n: int) -> bytes:
    rows = [
        {
            "messages": [
                {"role": "system", "content": "You are a terse assistant."},
                {"role": "user", "content": f"Question number {i}: what is {i} * 3?"},
                {"role": "assistant", "content": f"{i} * 3 = {3 * i}."},
            ]
        }
        for i in range(n)
    ]
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


async def _finish(client: AsyncAzureOpenAI, job_id: str) -> None:
    while True:
        job = await client.fine_tuning.jobs.retrieve(job_id)
        if job.status in {"succeeded", "failed", "cancelled"}:
            return
        await asyncio.sleep(0.01)


async def main(examples: int, requests: int) -> None:
    handle = start_emulator(speed=1000)
    client = AsyncAzureOpenAI(
        azure_endpoint=handle.azure_endpoint,
        api_key=handle.api_key,
        api_version="2025-04-01-preview",
        max_retries=0,
    )
    small = await client.files.create(file=("s.jsonl", _file(10)), purpose="fine-tune")
    await client.files.wait_for_processing(small.id, poll_interval=0.01)
    job = await client.fine_tuning.jobs.create(model=MODEL, training_file=small.id)
    started = time.perf_counter()  # after create: the first one loads the tokenizer
    await _finish(client, job.id)
    print(
        f"10-example job, pending -> succeeded: {time.perf_counter() - started:.2f} s"
    )

    started = time.perf_counter()
    for _ in range(requests):
        await client.fine_tuning.jobs.retrieve(job.id)
    rate = requests / (time.perf_counter() - started)
    print(f"jobs.retrieve, sequential: {rate:.0f} requests/s")

    async def worker() -> None:
        for _ in range(requests // 8):
            await client.fine_tuning.jobs.retrieve(job.id)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(8)))
    rate = (requests // 8 * 8) / (time.perf_counter() - started)
    print(f"jobs.retrieve, 8 concurrent: {rate:.0f} requests/s")

    data = _file(examples)
    started = time.perf_counter()
    big = await client.files.create(file=("big.jsonl", data), purpose="fine-tune")
    answered = time.perf_counter() - started
    big = await client.files.wait_for_processing(big.id, poll_interval=0.02)
    processed = time.perf_counter() - started
    print(
        f"upload {examples} examples ({len(data) / 1e6:.1f} MB): answered in "
        f"{answered:.2f} s, {big.status} after {processed:.2f} s"
    )
    started = time.perf_counter()
    await client.fine_tuning.jobs.create(model=MODEL, training_file=big.id)
    print(f"jobs.create on it (token count): {time.perf_counter() - started:.2f} s")
    await client.close()
    handle.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(main(args.examples, args.requests))
