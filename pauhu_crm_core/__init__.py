"""Pauhu CRM core: entities, validation, services and the ports adapters implement.

Embed it through the facade (``CRM`` / ``CrmWorkspace``); ``pauhu_crm_apps.open_crm``
builds one with the bundled SQL store.
"""

from .crm import CRM, CrmWorkspace
from .entities import (
    Activity,
    ActivityType,
    ApiKey,
    Company,
    CompanyDetail,
    Contact,
    ContactDetail,
    Deal,
    DealDetail,
    DealStage,
    IcpTier,
    LifecycleStage,
    Page,
    PipelineStage,
    ScoreSegment,
    Task,
    TaskPriority,
    TaskStatus,
    Workspace,
)
from .errors import (
    Conflict,
    CrmError,
    Forbidden,
    NotFound,
    ProviderError,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from .ports import Clock, Store, UnitOfWork
from .services.context import Actor

__all__ = [
    "CRM",
    "Activity",
    "ActivityType",
    "Actor",
    "ApiKey",
    "Clock",
    "Company",
    "CompanyDetail",
    "Conflict",
    "Contact",
    "ContactDetail",
    "CrmError",
    "CrmWorkspace",
    "Deal",
    "DealDetail",
    "DealStage",
    "Forbidden",
    "IcpTier",
    "LifecycleStage",
    "NotFound",
    "Page",
    "PipelineStage",
    "ProviderError",
    "ScoreSegment",
    "Store",
    "Task",
    "TaskPriority",
    "TaskStatus",
    "Unauthorized",
    "Unavailable",
    "UnitOfWork",
    "ValidationFailed",
    "Workspace",
]
