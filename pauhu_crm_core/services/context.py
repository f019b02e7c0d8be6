"""What every service shares: the CRM's parts (``Runtime``) and, per workspace, its id."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from attrs import define, field, frozen

from ..default_sequences import default_sequences
from ..entities import DEFAULT_TIMEZONE, Workspace
from ..ports import Clock, Mailer, Scorer, Store, UnitOfWork
from ..rules_scorer import RuleBasedScorer

UNSUBSCRIBE_SECRET_NAME = "unsubscribe-token-key"


@frozen(kw_only=True)
class SequenceSettings:
    """How the sequence engine sends (defaults suit a first install)."""

    public_url: str = "http://127.0.0.1:8000"
    """Where this CRM is reachable from a recipient's mail client (for unsubscribe links)."""
    sender: str = "Pauhu Sales <sales@pauhu.eu>"
    unsubscribe_secret: str | None = None
    """Signs unsubscribe links; when unset, one is generated and kept in the store."""
    max_sends_per_run: int = 500
    max_attempts: int = 3
    """Sends of one step that fail before its enrolment is stopped."""
    send_concurrency: int = 8
    claim_lease: timedelta = timedelta(minutes=15)
    """A claim older than this with no outcome was left by a run that died: uncertain."""
    batch_size: int = 200


@frozen(kw_only=True)
class ScoringSettings:
    """How a scoring run evaluates."""

    concurrency: int = 4
    """Evaluations running at once (an LLM scorer may bound itself further)."""
    max_evaluations_per_run: int = 1000
    """A run evaluates at most this many companies; the rest stay unscored until the next
    run, so one run cannot spend without bound on a paid scorer."""
    batch_size: int = 1000


@define(kw_only=True)
class Runtime:
    """The parts one ``CRM`` is built from, shared by every workspace's services."""

    store: Store
    clock: Clock
    mailer: Mailer | None = None
    sequences: SequenceSettings = field(factory=SequenceSettings)
    scorer: Scorer = field(factory=RuleBasedScorer)
    scoring: ScoringSettings = field(factory=ScoringSettings)
    provisioned: set[str] = field(factory=set)
    """Workspaces this process has seen stored with their default sequences."""
    _unsubscribe_secret: str | None = None

    def now(self) -> datetime:
        return self.clock.now().astimezone(UTC)

    async def unsubscribe_secret(self) -> str:
        if self._unsubscribe_secret is None:
            self._unsubscribe_secret = self.sequences.unsubscribe_secret or (
                await self.store.app_secret(
                    UNSUBSCRIBE_SECRET_NAME, lambda: secrets.token_urlsafe(32)
                )
            )
        return self._unsubscribe_secret


def new_workspace(workspace_id: str, now: datetime) -> Workspace:
    """A workspace as first use creates it: named after its id, with default settings."""
    return Workspace(id=workspace_id, name=workspace_id, created_at=now, updated_at=now)


@frozen
class WorkspaceContext:
    runtime: Runtime
    workspace_id: str

    @property
    def store(self) -> Store:
        return self.runtime.store

    def now(self) -> datetime:
        return self.runtime.now()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[UnitOfWork]:
        async with self.store.unit_of_work(self.workspace_id, read_only=True) as uow:
            yield uow

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work in which the workspace exists with its default sequences
        (both created on first use; inserting them again is a no-op)."""
        async with self.store.unit_of_work(self.workspace_id) as uow:
            if self.workspace_id not in self.runtime.provisioned:
                now = self.now()
                await uow.workspace.ensure(new_workspace(self.workspace_id, now))
                await uow.sequences.add_missing(default_sequences(now))
            yield uow
        self.runtime.provisioned.add(self.workspace_id)

    async def provision(self) -> None:
        """Make sure the workspace exists (reads of sequences show the defaults at once)."""
        if self.workspace_id not in self.runtime.provisioned:
            async with self.writing() as uow:
                await uow.commit()

    def new_workspace(self) -> Workspace:
        return new_workspace(self.workspace_id, self.now())

    async def today(self, uow: UnitOfWork) -> date:
        """Today's date in the workspace's time zone."""
        workspace = await uow.workspace.get()
        zone = workspace.timezone if workspace else DEFAULT_TIMEZONE
        return self.now().astimezone(ZoneInfo(zone)).date()
