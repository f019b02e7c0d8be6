"""The sequence engine: one run sends every due step of one workspace, each at most once.

A run works in batches of due enrolments (one query each):

1. **Decide.** A contact that unsubscribed, has no e-mail address or became a
   customer stops its enrolment instead of being sent to. (A reply stops it
   the moment the inbound e-mail is logged.)
2. **Claim, and commit.** Each (enrolment, step) to send gets a delivery row
   with a unique key *before* the mailer is called. Of several overlapping
   runs — in this process or others — only the one whose row was written
   owns the send; the others skip it.
3. **Send** outside any transaction: the whole batch in one call when the mailer
   is a ``BatchMailer`` (the outbox: one insert, one commit), else a few at a time.
4. **Record** the outcomes: the delivery's status, an ``email`` activity on
   the contact, and the enrolment moved on to its next step (or completed).

Recording is done by ``RECORDERS`` tasks of their own: while they write the
outcomes of earlier batches, each in its own transaction, the run reads,
claims and sends the next, so the database's work and Python's overlap.
Batches are disjoint sets of enrolments, and a contact has one active
enrolment, so no two of them write the same rows, and their order does not
matter (``last_activity_at`` only moves forward). At most ``RECORDERS + 1``
batches' outcomes wait to be recorded.

A run that dies between 2 and 4 leaves a ``claimed`` delivery; so does a
failed recording, which ends the run once the batch then being sent is sent. The next run
turns claims older than the lease into ``uncertain`` ones, which are never
sent again by themselves: the step may have gone out, and an e-mail sent
twice cannot be taken back. ``retry_delivery`` releases one by hand.
A send that fails is retried by later runs, up to ``max_attempts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import anyio
import attrs
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from ..concurrency import DeferredFailure, task_group
from ..entities import (
    Activity,
    ActivityType,
    Delivery,
    DeliveryStatus,
    Enrollment,
    LifecycleStage,
    RunResult,
)
from ..errors import ProviderError
from ..ids import new_id
from ..mail import EmailMessage, SendReceipt
from ..ports import BatchMailer, DeliveryClaim, DueEnrollment, Mailer
from ..sequence_rules import advanced, message_id, stopped
from ..templates import placeholder_values, render_html, render_text
from ..unsubscribe import make_token
from .context import WorkspaceContext, email_hash

ONE_CLICK = "List-Unsubscribe=One-Click"

RECORDERS = 2
"""Tasks recording outcomes at once. Recording a batch costs the database more than
claiming and sending one; with one recorder a 1M-contact workspace sent 1,689 e-mails
a second on PostgreSQL, with two 1,951-2,034, with three no more. On SQLite, where
writers take turns, two sent as many as one (``bench/analysis.md`` §7)."""


def stop_reason(due: DueEnrollment) -> str | None:
    """Why this enrolment must not be sent to any more, if it must not."""
    contact = due.contact
    if contact.unsubscribed_at is not None:
        return "unsubscribed"
    if contact.email is None:
        return "no_email"
    if contact.lifecycle_stage is LifecycleStage.CUSTOMER:
        return "customer"
    return None


@attrs.frozen
class _Outcome:
    delivery: Delivery
    due: DueEnrollment
    message: EmailMessage
    error: ProviderError | None


class SequenceEngine:
    def __init__(self, context: WorkspaceContext) -> None:
        self._context = context
        self._settings = context.runtime.sequences
        self._suppression_key = ""

    async def run(self) -> RunResult:
        mailer = self._context.runtime.mailer
        if mailer is None:
            raise ProviderError("no mailer is configured for the sequence engine", permanent=True)
        now = self._context.now()
        run_id = new_id(now)
        secret = await self._context.runtime.unsubscribe_secret()
        self._suppression_key = await self._context.runtime.suppression_key()
        await self._context.provision()
        async with self._context.writing() as uow:
            uncertain = await uow.deliveries.mark_uncertain(now - self._settings.claim_lease)
            today = await self._context.today(uow)
            await uow.commit()

        failure = DeferredFailure()
        sent = RunResult()
        to_record, recording = anyio.create_memory_object_stream[Sequence[_Outcome]]()
        async with task_group() as group:
            for _ in range(RECORDERS):
                group.start_soon(self._record_each, recording.clone(), now, failure)
            recording.close()  # the clones hold the stream open
            async with to_record:
                with failure.kept():
                    sent = await self._send_due(
                        today, mailer, run_id, secret, now, to_record, failure
                    )
        # Raised once the recorders have recorded what was sent before the failure.
        failure.raise_if_any()
        return attrs.evolve(sent, uncertain=uncertain)

    async def _send_due(
        self,
        today: date,
        mailer: Mailer,
        run_id: str,
        secret: str,
        now: datetime,
        to_record: MemoryObjectSendStream[Sequence[_Outcome]],
        failure: DeferredFailure,
    ) -> RunResult:
        """Send the due steps batch by batch, handing each batch's outcomes on to be
        recorded; stop when none are due, the run's send budget is spent or a
        recording has failed."""
        result = RunResult()
        budget = self._settings.max_sends_per_run
        after_id: str | None = None
        # After a recording failure, claim nothing more.
        while budget > 0 and failure.error is None:
            async with self._context.reading() as uow:
                # Never read more than the budget can send: the rest wait for the next run.
                batch = await uow.enrollments.due(
                    today, after_id=after_id, limit=min(self._settings.batch_size, budget)
                )
            if not batch:
                break
            after_id = batch[-1].enrollment.id
            batch_result, outcomes = await self._run_batch(
                batch, mailer, run_id, secret, now, budget
            )
            try:
                # Waits while the recorder is still busy with the batch before.
                await to_record.send(outcomes)
            except anyio.BrokenResourceError:
                break  # the recorders failed: these claims stay claimed (see above)
            budget -= len(outcomes)
            result = _add(result, batch_result)
        return result

    async def _record_each(
        self,
        recording: MemoryObjectReceiveStream[Sequence[_Outcome]],
        now: datetime,
        failure: DeferredFailure,
    ) -> None:
        """Record batches' outcomes as they come. A failure is kept in ``failure``, which
        stops the sender before its next claim; the other recorders go on with what was
        sent."""
        async with recording:
            with failure.kept():
                async for outcomes in recording:
                    await self._record(outcomes, now)

    async def _run_batch(
        self,
        batch: Sequence[DueEnrollment],
        mailer: Mailer,
        run_id: str,
        secret: str,
        now: datetime,
        budget: int,
    ) -> tuple[RunResult, Sequence[_Outcome]]:
        """Decide, claim and send one batch; the outcomes are recorded by the caller."""
        stops: list[Enrollment] = []
        sendable: list[DueEnrollment] = []
        for due in batch:
            reason = stop_reason(due)
            if reason is None:
                sendable.append(due)
            else:
                stops.append(stopped(due.enrollment, reason, now))
        async with self._context.writing() as uow:
            # Erased addresses are never e-mailed, whatever the contact record says.
            hashes = {due.enrollment.id: self._hash(due) for due in sendable}
            barred = await uow.suppressions.contains_any(set(hashes.values()))
            stops += [
                stopped(due.enrollment, "suppressed", now)
                for due in sendable
                if hashes[due.enrollment.id] in barred
            ]
            sendable = [due for due in sendable if hashes[due.enrollment.id] not in barred]
            chosen = sendable[:budget]
            by_enrollment = {due.enrollment.id: due for due in chosen}
            await uow.enrollments.replace_many(stops)
            owned = await uow.deliveries.claim(
                [self._claim(due, now) for due in chosen],
                run_id=run_id,
                at=now,
                max_attempts=self._settings.max_attempts,
            )
            await uow.commit()

        messages = [(delivery, by_enrollment[delivery.enrollment_id]) for delivery in owned]
        outcomes = await self._send_all(
            [(d, due, self._message(due, secret)) for d, due in messages], mailer
        )
        errors = sum(1 for o in outcomes if o.error is not None)
        return (
            RunResult(
                processed=len(batch),
                sent=len(outcomes) - errors,
                errors=errors,
                skipped=len(batch) - len(outcomes),
            ),
            outcomes,
        )

    def _hash(self, due: DueEnrollment) -> str:
        assert due.contact.email is not None  # stop_reason() let it through
        return email_hash(self._suppression_key, due.contact.email)

    def _claim(self, due: DueEnrollment, now: datetime) -> DeliveryClaim:
        enrollment = due.enrollment
        return DeliveryClaim(
            id=new_id(now),
            enrollment_id=enrollment.id,
            step_index=enrollment.next_step,
            contact_id=enrollment.contact_id,
            sequence_id=enrollment.sequence_id,
            message_id=message_id(
                self._context.workspace_id,
                enrollment.id,
                enrollment.next_step,
                self._settings.sender,
            ),
        )

    def _message(self, due: DueEnrollment, secret: str) -> EmailMessage:
        workspace_id = self._context.workspace_id
        token = make_token(secret, workspace_id, due.contact.id)
        unsubscribe_url = f"{self._settings.public_url.rstrip('/')}/unsubscribe?token={token}"
        values = placeholder_values(due.contact, due.company, unsubscribe_url)
        step = due.sequence.steps[due.enrollment.next_step]
        assert due.contact.email is not None  # stop_reason() let it through
        return EmailMessage(
            workspace_id=workspace_id,
            message_id=message_id(
                workspace_id, due.enrollment.id, due.enrollment.next_step, self._settings.sender
            ),
            sender=self._settings.sender,
            to=due.contact.email,
            subject=" ".join(render_text(step.subject, values).split()),
            text=render_text(step.body, values),
            html=render_html(step.body, values),
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": ONE_CLICK,
            },
        )

    async def _send_all(
        self, work: Sequence[tuple[Delivery, DueEnrollment, EmailMessage]], mailer: Mailer
    ) -> list[_Outcome]:
        if isinstance(mailer, BatchMailer):
            return await self._send_batch(work, mailer)
        limiter = anyio.CapacityLimiter(self._settings.send_concurrency)
        outcomes: list[_Outcome] = []

        async def send(delivery: Delivery, due: DueEnrollment, message: EmailMessage) -> None:
            async with limiter:
                try:
                    await mailer.send(message)
                    error = None
                except ProviderError as exc:
                    error = exc
            outcomes.append(_Outcome(delivery=delivery, due=due, message=message, error=error))

        async with task_group() as group:
            for delivery, due, message in work:
                group.start_soon(send, delivery, due, message)
        return outcomes

    async def _send_batch(
        self, work: Sequence[tuple[Delivery, DueEnrollment, EmailMessage]], mailer: BatchMailer
    ) -> list[_Outcome]:
        if not work:
            return []
        try:
            messages = [message for _, _, message in work]
            answers: Sequence[SendReceipt | ProviderError] = await mailer.send_many(messages)
        except ProviderError as exc:  # none of the batch went out
            answers = [exc] * len(work)
        if len(answers) != len(work):
            # Which message an answer is about is unknown: raise, and leave every claim of
            # the batch to become uncertain rather than record a guess.
            raise RuntimeError(
                f"{type(mailer).__name__}.send_many answered {len(answers)} outcomes "
                f"for {len(work)} messages"
            )
        return [
            _Outcome(
                delivery=delivery,
                due=due,
                message=message,
                error=answer if isinstance(answer, ProviderError) else None,
            )
            for (delivery, due, message), answer in zip(work, answers, strict=True)
        ]

    async def _record(self, outcomes: Sequence[_Outcome], now: datetime) -> None:
        deliveries: list[Delivery] = []
        activities: list[Activity] = []
        enrollments: list[Enrollment] = []
        for outcome in outcomes:
            enrollment = outcome.due.enrollment
            if outcome.error is None:
                deliveries.append(
                    attrs.evolve(outcome.delivery, status=DeliveryStatus.SENT, sent_at=now)
                )
                activities.append(self._activity(outcome, now))
                enrollments.append(advanced(enrollment, outcome.due.sequence, now))
                continue
            deliveries.append(
                attrs.evolve(
                    outcome.delivery, status=DeliveryStatus.FAILED, error=outcome.error.message
                )
            )
            exhausted = outcome.delivery.attempts >= self._settings.max_attempts
            if outcome.error.permanent or exhausted:
                enrollments.append(stopped(enrollment, "send_failed", now))
        async with self._context.writing() as uow:
            await uow.deliveries.record(deliveries)
            await uow.activities.add_many(activities)
            await uow.contacts.touch_last_activity_many(
                {a.contact_id: a.occurred_at for a in activities if a.contact_id}
            )
            await uow.enrollments.replace_many(enrollments)
            await uow.commit()

    def _activity(self, outcome: _Outcome, now: datetime) -> Activity:
        enrollment = outcome.due.enrollment
        return Activity(
            id=new_id(now),
            contact_id=enrollment.contact_id,
            company_id=outcome.due.contact.company_id,
            type=ActivityType.EMAIL,
            subject=outcome.message.subject,
            body=outcome.message.text,
            metadata={
                "direction": "outbound",
                "sequence_id": enrollment.sequence_id,
                "step_index": enrollment.next_step,
                "message_id": outcome.message.message_id,
                "unsubscribe_url": outcome.message.headers["List-Unsubscribe"].strip("<>"),
            },
            occurred_at=now,
            created_by="sequence-engine",
            created_at=now,
            updated_at=now,
        )


def _add(total: RunResult, more: RunResult) -> RunResult:
    return RunResult(
        processed=total.processed + more.processed,
        sent=total.sent + more.sent,
        skipped=total.skipped + more.skipped,
        errors=total.errors + more.errors,
        uncertain=total.uncertain,
    )
