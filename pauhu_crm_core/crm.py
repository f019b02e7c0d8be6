"""The facade: the small public face through which tools embed the CRM.

    crm = CRM(store=store, clock=clock)
    ws = crm.workspace("ws-pauhu")
    contact = await ws.contacts.create(email="sanna@dvv.fi")

The HTTP API is a thin translation of this; nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

from .api_keys import ApiKeyService
from .entities import Workspace
from .errors import ValidationFailed
from .normalise import workspace_id as parse_workspace_id
from .ports import Clock, Store
from .services import (
    ActivityService,
    CompanyService,
    ContactService,
    DealService,
    TaskService,
    WorkspaceContext,
    WorkspaceSettingsService,
)


class CrmWorkspace:
    """Every service of one workspace. Records of other workspaces are invisible here."""

    def __init__(self, context: WorkspaceContext) -> None:
        self.id = context.workspace_id
        self.contacts = ContactService(context)
        self.companies = CompanyService(context)
        self.deals = DealService(context)
        self.activities = ActivityService(context)
        self.tasks = TaskService(context)
        self._settings = WorkspaceSettingsService(context)

    async def get(self) -> Workspace:
        """The workspace's settings (the workspace is created on first use)."""
        return await self._settings.get()

    async def update(self, data: Mapping[str, Any] | None = None, /, **changes: Any) -> Workspace:
        """Change the workspace's ``name``, ``timezone`` or ``auto_enroll``."""
        return await self._settings.update(data, **changes)


class CRM:
    """The CRM over one store. Closing it closes the store."""

    def __init__(self, *, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._known_workspaces: set[str] = set()
        self.api_keys = ApiKeyService(store, clock, self._known_workspaces)

    def workspace(self, workspace_id: str) -> CrmWorkspace:
        """The workspace named ``workspace_id`` (``^[a-z0-9][a-z0-9-]{1,62}$``)."""
        try:
            parse_workspace_id(workspace_id)
        except ValueError as exc:
            raise ValidationFailed.single("workspace_id", str(exc)) from None
        context = WorkspaceContext(self.store, self.clock, workspace_id, self._known_workspaces)
        return CrmWorkspace(context)

    async def aclose(self) -> None:
        await self.store.aclose()

    async def __aenter__(self) -> CRM:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
