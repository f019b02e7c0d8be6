"""``task_group``: a lone failure comes out as itself, several stay grouped."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest

from pauhu_crm_core.concurrency import task_group
from pauhu_crm_core.errors import Unavailable

pytestmark = pytest.mark.anyio


async def fail(error: Exception) -> None:
    await anyio.lowlevel.checkpoint()
    raise error


async def run_in_a_group(*errors: Exception) -> None:
    """Each error raised by a task of its own, beside a task that never ends."""
    async with task_group() as group:
        group.start_soon(anyio.sleep_forever)
        for error in errors:
            group.start_soon(fail, error)


async def raise_in_the_body() -> None:
    async with task_group() as group:
        group.start_soon(anyio.sleep_forever)
        raise KeyError("body")


async def test_a_lone_failure_is_raised_as_itself() -> None:
    with pytest.raises(Unavailable, match="down"):
        await run_in_a_group(Unavailable("the database is down"))


async def test_a_failure_in_the_body_is_raised_as_itself() -> None:
    with pytest.raises(KeyError, match="body"):
        await raise_in_the_body()


async def test_several_failures_stay_grouped() -> None:
    with pytest.raises(ExceptionGroup) as raised:
        await run_in_a_group(ValueError("one"), KeyError("two"))
    assert {type(e) for e in raised.value.exceptions} == {ValueError, KeyError}


async def test_a_group_that_succeeds_runs_every_task() -> None:
    done: list[int] = []

    async def note(n: int) -> None:
        await anyio.lowlevel.checkpoint()
        done.append(n)

    async with task_group() as group:
        for n in range(3):
            group.start_soon(note, n)
    assert sorted(done) == [0, 1, 2]
