"""Rules of sequences and enrolments that need no storage: steps, schedules, message ids."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import attrs

from .commands import StepInput
from .entities import (
    EmailSequence,
    Enrollment,
    EnrollmentStatus,
    SequenceStep,
)
from .errors import ValidationFailed
from .templates import template_problems

MAX_STEPS = 50


def checked_steps(steps: Sequence[StepInput]) -> tuple[SequenceStep, ...]:
    """Steps with valid templates and delays that never decrease, or ``ValidationFailed``."""
    details = []
    if not steps:
        details.append({"field": "steps", "message": "must have at least one step"})
    if len(steps) > MAX_STEPS:
        details.append({"field": "steps", "message": f"must have at most {MAX_STEPS} steps"})
    for index, step in enumerate(steps):
        for name in ("subject", "body"):
            details += [
                {"field": f"steps.{index}.{name}", "message": problem}
                for problem in template_problems(getattr(step, name))
            ]
        if index and step.delay_days < steps[index - 1].delay_days:
            details.append(
                {
                    "field": f"steps.{index}.delay_days",
                    "message": "must not be less than the step before "
                    f"({steps[index - 1].delay_days})",
                }
            )
    if details:
        raise ValidationFailed(details)
    return tuple(
        SequenceStep(subject=s.subject, body=s.body, delay_days=s.delay_days) for s in steps
    )


def schedule(enrollment: Enrollment, sequence: EmailSequence, now: datetime) -> Enrollment:
    """The enrolment with ``next_due_on`` set for its ``next_step``, or completed when the
    sequence has no step left for it."""
    if enrollment.status is not EnrollmentStatus.ACTIVE:
        return enrollment
    if enrollment.next_step >= len(sequence.steps):
        return attrs.evolve(
            enrollment,
            status=EnrollmentStatus.COMPLETED,
            next_due_on=None,
            ended_at=now,
            updated_at=now,
        )
    delay = sequence.steps[enrollment.next_step].delay_days
    due_on: date = enrollment.enrolled_on + timedelta(days=delay)
    return attrs.evolve(enrollment, next_due_on=due_on, updated_at=now)


def advanced(enrollment: Enrollment, sequence: EmailSequence, now: datetime) -> Enrollment:
    """After its step was sent: on to the next step, or completed after the last."""
    return schedule(attrs.evolve(enrollment, next_step=enrollment.next_step + 1), sequence, now)


def stopped(enrollment: Enrollment, reason: str, now: datetime) -> Enrollment:
    return attrs.evolve(
        enrollment,
        status=EnrollmentStatus.STOPPED,
        stopped_reason=reason,
        next_due_on=None,
        ended_at=now,
        updated_at=now,
    )


def message_id(workspace_id: str, enrollment_id: str, step_index: int, sender: str) -> str:
    """A stable ``Message-ID`` for (enrolment, step): a resend by hand reuses it, so a
    provider or mail client that dedupes by it shows the step once."""
    domain = sender.rpartition("@")[2].strip(" >") or "pauhu-crm.invalid"
    return f"<{enrollment_id}.{step_index}.{workspace_id}@{domain}>"
