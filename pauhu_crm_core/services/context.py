"""What every service shares: the CRM's parts (``Runtime``) and, per workspace, its id."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from attrs import define, field, frozen

from ..default_sequences import default_sequences
from ..entities import DEFAULT_TIMEZONE, AuditEntry, Workspace
from ..ids import new_id
from ..ports import Clock, Mailer, Scorer, Store, UnitOfWork
from ..rules_scorer import RuleBasedScorer

UNSUBSCRIBE_SECRET_NAME = "unsubscribe-token-key"
SUPPRESSION_SECRET_NAME = "suppression-hash-key"


@frozen
class Actor:
    """Who is writing: an API key's id, ``anonymous``, or a job; and the request, if any."""

    id: str = "anonymous"
    request_id: str | None = None


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
    batch_size: int = 1000
    """Due enrolments read, claimed, sent (one ``send_many`` to a ``BatchMailer``) and
    recorded together: each batch has fixed costs (a few statements, three commits)."""


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
    _suppression_key: str | None = None

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

    async def suppression_key(self) -> str:
        """The key of the suppression list's hashes (generated and stored on first use).
        Fetch it before opening a unit of work: creating it is a write of its own."""
        if self._suppression_key is None:
            self._suppression_key = await self.store.app_secret(
                SUPPRESSION_SECRET_NAME, lambda: secrets.token_urlsafe(32)
            )
        return self._suppression_key


def email_hash(key: str, email: str) -> str:
    """What the suppression list keeps instead of an address: HMAC-SHA256 under a key
    stored in the database, so a leaked list cannot be reversed by hashing guesses."""
    return hmac.new(key.encode(), email.lower().encode(), "sha256").hexdigest()


def new_workspace(workspace_id: str, now: datetime) -> Workspace:
    """A workspace as first use creates it: named after its id, with default settings."""
    return Workspace(id=workspace_id, name=workspace_id, created_at=now, updated_at=now)


@frozen
class WorkspaceContext:
    runtime: Runtime
    workspace_id: str
    actor: Actor = Actor()

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

    async def audit(
        self,
        uow: UnitOfWork,
        action: str,
        resource: str,
        resource_id: str | None = None,
        fields: Iterable[str] = (),
    ) -> None:
        """Record a write in the audit log, in the same transaction as the write itself."""
        now = self.now()
        await uow.audit.add(
            AuditEntry(
                id=new_id(now),
                at=now,
                actor=self.actor.id,
                action=action,
                resource=resource,
                resource_id=resource_id,
                fields=tuple(sorted(fields)),
                request_id=self.actor.request_id,
            )
        )

    async def today(self, uow: UnitOfWork) -> date:
        """Today's date in the workspace's time zone."""
        workspace = await uow.workspace.get()
        zone = workspace.timezone if workspace else DEFAULT_TIMEZONE
        return self.now().astimezone(ZoneInfo(zone)).date()
