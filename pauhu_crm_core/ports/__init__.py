"""The ports: what the core needs from the outside world, as narrow protocols.

Adapters implement these without inheriting from them; mypy and an
``isinstance`` test against the ``runtime_checkable`` protocols check that
they conform. A unit of work is opened for one workspace, and every
repository reached through it sees only that workspace's rows.

    records    the clock, list filters, the CRM record repositories
    sequences  sequences, enrolments, deliveries, the outbox, the mailer
    scoring    the scorer and the score history
    jobs       scheduled job runs (and their claims)
    privacy    the suppression list and the audit log
    transfer   bulk reads of import and export
    store      the unit of work, credentials and the store
"""

from .jobs import JobRunRepository, JobsUnitOfWork
from .privacy import AuditFilter, AuditRepository, SuppressionRepository
from .records import (
    ActivityFilter,
    ActivityRepository,
    Clock,
    CompanyFilter,
    CompanyRepository,
    ContactFilter,
    ContactRepository,
    DealFilter,
    DealRepository,
    ReferenceField,
    TaskFilter,
    TaskRepository,
    WorkspaceRepository,
)
from .scoring import AppliedScore, Scorer, ScoreRepository
from .sequences import (
    BatchMailer,
    DeliveryClaim,
    DeliveryRepository,
    DueEnrollment,
    EnrollmentRepository,
    Mailer,
    OutboxRepository,
    SequenceRepository,
)
from .store import (
    ApiKeyRepository,
    CredentialsUnitOfWork,
    Store,
    StoredApiKey,
    UnitOfWork,
)
from .transfer import TransferRepository

__all__ = [
    "ActivityFilter",
    "ActivityRepository",
    "ApiKeyRepository",
    "AppliedScore",
    "AuditFilter",
    "AuditRepository",
    "BatchMailer",
    "Clock",
    "CompanyFilter",
    "CompanyRepository",
    "ContactFilter",
    "ContactRepository",
    "CredentialsUnitOfWork",
    "DealFilter",
    "DealRepository",
    "DeliveryClaim",
    "DeliveryRepository",
    "DueEnrollment",
    "EnrollmentRepository",
    "JobRunRepository",
    "JobsUnitOfWork",
    "Mailer",
    "OutboxRepository",
    "ReferenceField",
    "ScoreRepository",
    "Scorer",
    "SequenceRepository",
    "Store",
    "StoredApiKey",
    "SuppressionRepository",
    "TaskFilter",
    "TaskRepository",
    "TransferRepository",
    "UnitOfWork",
    "WorkspaceRepository",
]
