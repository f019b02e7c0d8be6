"""The service layer: one service per kind of record, all bound to one workspace."""

from .activities import ActivityService
from .companies import CompanyService
from .contacts import ContactService
from .context import WorkspaceContext
from .deals import DealService
from .tasks import TaskService
from .workspace import WorkspaceSettingsService

__all__ = [
    "ActivityService",
    "CompanyService",
    "ContactService",
    "DealService",
    "TaskService",
    "WorkspaceContext",
    "WorkspaceSettingsService",
]
