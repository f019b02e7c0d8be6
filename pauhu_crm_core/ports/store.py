"""The store: units of work over all repositories, credentials, and the store itself."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol, runtime_checkable

from attrs import frozen

from ..entities import (
    ApiKey,
    Workspace,
)
from .jobs import JobsUnitOfWork
from .privacy import AuditRepository, SuppressionRepository
from .records import (
    ActivityRepository,
    CompanyRepository,
    ContactRepository,
    DealRepository,
    TaskRepository,
    WorkspaceRepository,
)
from .scoring import ScoreRepository
from .sequences import (
    DeliveryRepository,
    EnrollmentRepository,
    OutboxRepository,
    SequenceRepository,
)
from .transfer import TransferRepository


@runtime_checkable
class UnitOfWork(Protocol):
    """One transaction in one workspace. Leaving it without ``commit`` rolls back."""

    @property
    def workspace_id(self) -> str: ...
    @property
    def workspace(self) -> WorkspaceRepository: ...
    @property
    def contacts(self) -> ContactRepository: ...
    @property
    def companies(self) -> CompanyRepository: ...
    @property
    def deals(self) -> DealRepository: ...
    @property
    def activities(self) -> ActivityRepository: ...
    @property
    def tasks(self) -> TaskRepository: ...
    @property
    def sequences(self) -> SequenceRepository: ...
    @property
    def enrollments(self) -> EnrollmentRepository: ...
    @property
    def deliveries(self) -> DeliveryRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def scores(self) -> ScoreRepository: ...
    @property
    def suppressions(self) -> SuppressionRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def transfer(self) -> TransferRepository: ...
    async def commit(self) -> None: ...


# -- credentials. They are looked up before the caller's workspace is known, so
# they live outside the tenant units of work, behind their own narrow one.


@frozen(kw_only=True)
class StoredApiKey:
    """An API key as stored: the record and the SHA-256 hex digest of its secret."""

    key: ApiKey
    secret_hash: str


@runtime_checkable
class ApiKeyRepository(Protocol):
    """The API keys of every workspace; a secret's hash is only ever read by ``get``."""

    async def add(self, key: ApiKey, secret_hash: str) -> None: ...
    async def get(self, id: str) -> StoredApiKey | None:
        """The key and its secret hash, in one query."""
        ...

    async def list(self, workspace_id: str | None = None) -> Sequence[ApiKey]:
        """The keys of one workspace, or of all when ``None``; newest first."""
        ...

    async def revoke(self, id: str, at: datetime) -> ApiKey | None:
        """Set ``revoked_at`` to ``at`` unless already revoked; the stored key, or ``None``."""
        ...


@runtime_checkable
class CredentialsUnitOfWork(Protocol):
    """One transaction over the credentials of all workspaces. Leaving it without
    ``commit`` rolls back."""

    @property
    def api_keys(self) -> ApiKeyRepository: ...
    async def ensure_workspace(self, workspace: Workspace) -> Workspace:
        """Insert the workspace unless it exists; return the stored one."""
        ...

    async def commit(self) -> None: ...


@runtime_checkable
class Store(Protocol):
    """Durable storage. ``unit_of_work`` opens a transaction scoped to one workspace;
    ``credentials`` one over the API keys of all workspaces."""

    def unit_of_work(
        self, workspace_id: str, *, read_only: bool = False
    ) -> AbstractAsyncContextManager[UnitOfWork]: ...

    def credentials(
        self, *, read_only: bool = False
    ) -> AbstractAsyncContextManager[CredentialsUnitOfWork]: ...

    def jobs(self, *, read_only: bool = False) -> AbstractAsyncContextManager[JobsUnitOfWork]:
        """A transaction over the job runs of all workspaces (for the scheduler)."""
        ...

    async def ping(self) -> None:
        """Return once the database answers; raises ``Unavailable`` when it cannot be reached."""
        ...

    async def app_secret(self, name: str, generate: Callable[[], str]) -> str:
        """The secret stored as ``name``, stored from ``generate()`` on first use (atomically:
        every process sharing the database gets the same one)."""
        ...

    async def workspace_ids(self) -> Sequence[str]:
        """Every workspace's id, in id order (for jobs that cover all workspaces)."""
        ...

    async def aclose(self) -> None: ...
