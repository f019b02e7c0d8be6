"""Latency samples -> percentiles and throughput, and the record of one scenario's result."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from attrs import asdict, define, field


def percentile(sorted_samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (no interpolation: every value reported was measured)."""
    if not sorted_samples:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_samples)))
    return sorted_samples[rank - 1]


@define(kw_only=True)
class Result:
    """One scenario on one backend. Times in milliseconds; ``throughput`` per second."""

    name: str
    group: str
    """``library``, ``http``, ``batch`` or ``memory``."""
    description: str
    count: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    throughput: float | None = None
    value: float | None = None
    """The scenario's headline figure when it is not a latency (a ratio, sends/s, MB)."""
    unit: str = ""
    extra: dict[str, Any] = field(factory=dict)
    skipped: str | None = None
    """Why the scenario did not run (then every figure is ``None``)."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def latency_result(
    name: str, group: str, description: str, samples: Sequence[float], wall: float
) -> Result:
    ordered = sorted(samples)
    return Result(
        name=name,
        group=group,
        description=description,
        count=len(ordered),
        p50_ms=percentile(ordered, 0.50) * 1000,
        p95_ms=percentile(ordered, 0.95) * 1000,
        p99_ms=percentile(ordered, 0.99) * 1000,
        throughput=len(ordered) / wall if wall > 0 else None,
    )


MIN_SAMPLES = 20


async def sequential(
    call: Callable[[int], Awaitable[Any]],
    iterations: int,
    *,
    max_seconds: float,
    warmup: int = 5,
) -> tuple[list[float], float]:
    """Run ``call(i)`` ``warmup`` times unmeasured, then up to ``iterations`` times one
    after another — fewer once ``max_seconds`` have passed, but never fewer than
    ``MIN_SAMPLES`` — and answer each call's seconds and the measured part's wall time."""
    for number in range(warmup):
        await call(-1 - number)
    samples: list[float] = []
    started = time.perf_counter()
    for number in range(iterations):
        before = time.perf_counter()
        await call(number)
        samples.append(time.perf_counter() - before)
        if before - started > max_seconds and len(samples) >= MIN_SAMPLES:
            break
    return samples, time.perf_counter() - started
