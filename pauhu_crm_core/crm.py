"""The facade: the small public face through which tools embed the CRM.

    crm = CRM(store=store, clock=clock)
    ws = crm.workspace("ws-pauhu")
    contact = await ws.contacts.create(email="sanna@dvv.fi")

The HTTP API is a thin translation of this; nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

from .api_keys import ApiKeyService
from .commands import AuditQuery
from .entities import AuditEntry, Contact, Page, Workspace
from .errors import ValidationFailed
from .normalise import workspace_id as parse_workspace_id
from .ports import AuditFilter, Clock, Mailer, Scorer, Store
from .rules_scorer import RuleBasedScorer
from .scoring import ScoreRecord
from .services import (
    ActivityService,
    CompanyService,
    ContactService,
    DealService,
    TaskService,
    WorkspaceContext,
    WorkspaceSettingsService,
)
from .services.common import page_window
from .services.context import Actor, Runtime, ScoringSettings, SequenceSettings
from .services.exports import ExportService
from .services.imports import ImportService
from .services.jobs import JobService
from .services.scoring import Dashboard, ScoringResult, ScoringService
from .services.sequences import SequenceService
from .unsubscribe import read_token
from .validation import structure


class CrmWorkspace:
    """Every service of one workspace. Records of other workspaces are invisible here."""

    def __init__(self, context: WorkspaceContext) -> None:
        self.id = context.workspace_id
        self._context = context
        self.contacts = ContactService(context)
        self.companies = CompanyService(context)
        self.deals = DealService(context)
        self.activities = ActivityService(context)
        self.tasks = TaskService(context)
        self.sequences = SequenceService(context)
        self.imports = ImportService(context)
        self.exports = ExportService(context)
        self._settings = WorkspaceSettingsService(context)
        self._scoring = ScoringService(context)

    async def get(self) -> Workspace:
        """The workspace's settings (the workspace is created on first use)."""
        return await self._settings.get()

    async def update(self, data: Mapping[str, Any] | None = None, /, **changes: Any) -> Workspace:
        """Change the workspace's ``name``, ``timezone`` or ``auto_enroll``."""
        return await self._settings.update(data, **changes)

    async def score(
        self, *, rescore: bool = False, progress: Callable[[int], None] | None = None
    ) -> ScoringResult:
        """Score the unscored contacts (``rescore``: all but hand-set scores), then enrol
        the scored ones in their segment's sequence. See ``services.scoring``."""
        return await self._scoring.run(rescore=rescore, progress=progress)

    async def dashboard(self) -> Dashboard:
        """Contacts per segment, unscored ones, the average score and the top prospects."""
        return await self._scoring.dashboard()

    async def audit_log(
        self, data: Mapping[str, Any] | None = None, /, **filters: Any
    ) -> Page[AuditEntry]:
        """Who changed what and when (field names only), newest first; filter by
        ``resource``, ``resource_id``, ``action`` or ``actor``."""
        query = structure({**(data or {}), **filters}, AuditQuery)
        limit, offset = page_window(query)
        audit_filter = AuditFilter(
            resource=query.resource,
            resource_id=query.resource_id,
            action=query.action,
            actor=query.actor,
        )
        async with self._context.reading() as uow:
            return await uow.audit.find(audit_filter, limit=limit, offset=offset)

    async def score_history(
        self, contact_id: str, data: Mapping[str, Any] | None = None, /, **filters: Any
    ) -> Page[ScoreRecord]:
        """Every evaluation applied to a contact, newest first (``limit``, ``offset``)."""
        return await self._scoring.history(contact_id, data, **filters)


class CRM:
    """The CRM over one store (and a mailer, for sequences). Closing it closes them."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        mailer: Mailer | None = None,
        sequences: SequenceSettings | None = None,
        scorer: Scorer | None = None,
        scoring: ScoringSettings | None = None,
    ) -> None:
        self._runtime = Runtime(
            store=store,
            clock=clock,
            mailer=mailer,
            sequences=sequences or SequenceSettings(),
            scorer=scorer or RuleBasedScorer(),
            scoring=scoring or ScoringSettings(),
        )
        self.api_keys = ApiKeyService(store, clock)
        self.jobs = JobService(self._runtime, self.workspace)

    @property
    def store(self) -> Store:
        return self._runtime.store

    @property
    def clock(self) -> Clock:
        return self._runtime.clock

    async def check_unsubscribe_token(self, token: str) -> None:
        """``ValidationFailed`` on ``token`` unless an e-mail of this CRM carried it."""
        read_token(await self._runtime.unsubscribe_secret(), token)

    async def unsubscribe(self, token: str) -> Contact | None:
        """Unsubscribe the contact an e-mail's link names (``ValidationFailed`` on a forged
        token). Answers the contact, or ``None`` when it no longer exists."""
        workspace_id, contact_id = read_token(await self._runtime.unsubscribe_secret(), token)
        return await self.workspace(workspace_id).contacts.unsubscribe(contact_id)

    async def workspace_ids(self) -> Sequence[str]:
        """Every workspace stored, e.g. for a job that runs in all of them."""
        return await self._runtime.store.workspace_ids()

    def workspace(self, workspace_id: str, *, actor: Actor | None = None) -> CrmWorkspace:
        """The workspace named ``workspace_id`` (``^[a-z0-9][a-z0-9-]{1,62}$``), acting as
        ``actor`` (who the audit log names; ``anonymous`` by default)."""
        try:
            parse_workspace_id(workspace_id)
        except ValueError as exc:
            raise ValidationFailed.single("workspace_id", str(exc)) from None
        return CrmWorkspace(WorkspaceContext(self._runtime, workspace_id, actor or Actor()))

    async def aclose(self) -> None:
        try:
            try:
                if self._runtime.mailer is not None:
                    await self._runtime.mailer.aclose()
            finally:
                await self._runtime.scorer.aclose()
        finally:
            await self._runtime.store.aclose()

    async def __aenter__(self) -> CRM:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
