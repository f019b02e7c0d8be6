"""Concurrent work whose failures look like the failures of sequential code."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import anyio
from anyio.abc import TaskGroup


@asynccontextmanager
async def task_group() -> AsyncIterator[TaskGroup]:
    """``anyio.create_task_group()``, raising a lone failure as itself.

    anyio wraps whatever a task group's tasks raise in an ``ExceptionGroup``, even a
    single error. A service that runs its steps concurrently (a sequence run, a
    scoring run) would then raise a ``StoreUnavailable`` that its callers, and the
    API's error mapping, no longer recognise. Several failures at once stay grouped.
    """
    try:
        async with anyio.create_task_group() as group:
            yield group
    except BaseExceptionGroup as failures:
        lone: BaseException = failures
        while isinstance(lone, BaseExceptionGroup) and len(lone.exceptions) == 1:
            lone = lone.exceptions[0]
        if lone is failures:
            raise
        raise lone from None


class DeferredFailure:
    """The first error of one half of a pipeline, kept to be raised once both have stopped.

    The halves of a run (one reads and sends, one writes) must not cancel each other in
    the middle of a database call: a cancelled SQLite call can leave its connection
    unable to close. So a failing half keeps its error here and closes its stream; the
    other half stops at its next hand-over, and the run then calls ``raise_if_any``.
    """

    def __init__(self) -> None:
        self.error: Exception | None = None

    @contextmanager
    def kept(self) -> Iterator[None]:
        """Keep an ``Exception`` raised in the block instead of raising it (the first one)."""
        try:
            yield
        except Exception as exc:  # noqa: BLE001 -- raised later, by raise_if_any()
            if self.error is None:
                self.error = exc

    def raise_if_any(self) -> None:
        if self.error is not None:
            raise self.error
