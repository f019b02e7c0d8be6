"""One repository per resource, each bound to a unit of work's connection and workspace."""

from .activities import SqlActivityRepository
from .api_keys import SqlApiKeyRepository
from .companies import SqlCompanyRepository
from .contacts import SqlContactRepository
from .deals import SqlDealRepository
from .deliveries import SqlDeliveryRepository
from .enrollments import SqlEnrollmentRepository
from .job_runs import SqlJobRunRepository
from .outbox import SqlOutboxRepository
from .privacy import SqlAuditRepository, SqlSuppressionRepository
from .scores import SqlScoreRepository
from .sequences import SqlSequenceRepository
from .tasks import SqlTaskRepository
from .workspaces import SqlWorkspaceRepository

__all__ = [
    "SqlActivityRepository",
    "SqlApiKeyRepository",
    "SqlAuditRepository",
    "SqlCompanyRepository",
    "SqlContactRepository",
    "SqlDealRepository",
    "SqlDeliveryRepository",
    "SqlEnrollmentRepository",
    "SqlJobRunRepository",
    "SqlOutboxRepository",
    "SqlScoreRepository",
    "SqlSequenceRepository",
    "SqlSuppressionRepository",
    "SqlTaskRepository",
    "SqlWorkspaceRepository",
]
