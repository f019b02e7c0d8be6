"""How close the LLM scorer gets to ideal throughput when a run scores many companies.

A scoring run evaluates all of its companies at once and the scorer's
``CapacityLimiter`` lets ``C`` requests through at a time. Against a provider
that takes ``L`` seconds per request, ``K`` evaluations can take no less than
``ceil(K / C) × L``; this prints the measured wall time next to that bound.

The provider is the stand-in OpenAI server of ``pauhu_crm_adapters.llm.testing``
on 127.0.0.1, answering after a fixed latency, run in a process of its own so
its CPU time is not charged to the scorer. Nothing leaves this machine.

    python bench/scoring_latency.py                   # the default (K, C) pairs, L = 50 ms
    python bench/scoring_latency.py --latency 0.2 --pair 100x8 --pair 500x50
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import time
from multiprocessing.connection import Connection

import anyio

from pauhu_crm_adapters.llm import OpenAICompatibleScorer
from pauhu_crm_adapters.llm.testing import running_fake_openai
from pauhu_crm_core.scoring import Evaluation, LeadProfile

MAX_K = 500
DEFAULT_PAIRS = ((20, 1), (50, 4), (100, 10), (200, 20), (500, 50))


def profiles(k: int) -> list[LeadProfile]:
    topics = ("EUR-Lex research", "GDPR tooling", "multilingual search", "GitHub tooling")
    return [
        LeadProfile(
            name=f"Company {number} Oy",
            domain=f"company{number}.example",
            description=f"Company {number} builds {topics[number % len(topics)]}.",
            contact_titles=("CTO",),
        )
        for number in range(k)
    ]


def serve(latency: float, commands: Connection) -> None:
    """The fake server's process: answers "peak" (and resets it) until told "stop"."""
    with running_fake_openai(latency=latency) as server:
        commands.send(server.base_url)
        while (command := commands.recv()) != "stop":
            assert command == "peak"
            commands.send(server.max_in_flight)
            server.max_in_flight = 0


async def measure(base_url: str, server: Connection, k: int, c: int) -> tuple[float, int]:
    """Wall seconds for K concurrent evaluations at concurrency C, and the server's peak."""
    scorer = OpenAICompatibleScorer(base_url=base_url, model="bench", concurrency=c)
    try:
        await scorer.evaluate(LeadProfile(name="warm-up"))  # a first connection, not timed
        server.send("peak")
        server.recv()
        results: list[Evaluation] = []

        async def evaluate(profile: LeadProfile) -> None:
            results.append(await scorer.evaluate(profile))

        started = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for profile in profiles(k):
                tg.start_soon(evaluate, profile)
        elapsed = time.perf_counter() - started
    finally:
        await scorer.aclose()
    assert len(results) == k
    server.send("peak")
    peak: int = server.recv()
    return elapsed, peak


async def main(latency: float, pairs: list[tuple[int, int]]) -> None:
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=serve, args=(latency, theirs))
    process.start()
    try:
        base_url = ours.recv()
        print(f"fake OpenAI server at {base_url}, latency {latency * 1000:.0f} ms")
        print(
            f"{'K':>5} {'C':>4} {'L ms':>6} {'wall ms':>9} {'ideal ms':>9} {'ratio':>6} {'peak':>5}"
        )
        for k, c in pairs:
            elapsed, peak = await measure(base_url, ours, k, c)
            ideal = math.ceil(k / c) * latency
            print(
                f"{k:>5} {c:>4} {latency * 1000:>6.0f} {elapsed * 1000:>9.0f} "
                f"{ideal * 1000:>9.0f} {elapsed / ideal:>6.2f} {peak:>5}"
            )
    finally:
        ours.send("stop")
        process.join(timeout=10)
        ours.close()


def pair(text: str) -> tuple[int, int]:
    k, _, c = text.partition("x")
    parsed = int(k), int(c)
    if not (1 <= parsed[0] <= MAX_K and 1 <= parsed[1] <= parsed[0]):
        raise argparse.ArgumentTypeError(f"want KxC with 1 <= C <= K <= {MAX_K}")
    return parsed


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--pair", type=pair, action="append", help="KxC, e.g. 100x10")
    arguments = parser.parse_args()
    if not 0 < arguments.latency <= 5:
        parser.error("the latency must be between 0 and 5 seconds")
    anyio.run(main, arguments.latency, arguments.pair or list(DEFAULT_PAIRS))
