"""The three sequences every new workspace starts with (the seed's table).

| id                  | segment      | steps | delays (days)      |
|---------------------|--------------|-------|--------------------|
| seq-hot-sovereign   | hot (70+)    | 3     | 0, 2, 5            |
| seq-warm-regulatory | warm (40-69) | 5     | 0, 4, 8, 14, 21    |
| seq-cold-education  | cold (< 40)  | 3     | 0, 7, 14           |

The copy is Pauhu's own: EU regulatory search across EUR-Lex, TED, IATE and
CURIA in all 24 official languages, deployable on-premise or air-gapped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .entities import EmailSequence, ScoreSegment, SequenceStatus, SequenceStep

_SIGNATURE = """
Best regards,
The Pauhu team
pauhu.eu

Not the right person, or not the right time? {{ unsubscribe_url }}"""


def _step(delay_days: int, subject: str, body: str) -> SequenceStep:
    return SequenceStep(
        subject=subject, body=body.strip() + "\n" + _SIGNATURE, delay_days=delay_days
    )


HOT_SOVEREIGN = (
    _step(
        0,
        "Sovereign EU regulatory search for {{ company.name }}",
        """
Hi {{ first_name }},

Teams like yours at {{ company.name }} spend hours chasing the same
regulation across EUR-Lex, TED, IATE and CURIA. Pauhu searches all four at
once, in all 24 official EU languages, and runs entirely on your own
infrastructure: nothing leaves your network, which keeps GDPR, NIS2 and
data-residency reviews short.

Would a 30-minute demo on your own documents next week be useful?
""",
    ),
    _step(
        2,
        "Air-gapped deployment, in one afternoon",
        """
Hi {{ first_name }},

A question we hear from public-sector teams: "can it run without any
internet connection at all?" Yes. Pauhu ships as a set of containers you
install on-premise or fully air-gapped, with updates delivered as signed
bundles. Your security team keeps the keys; we never see your queries.

I can send the deployment guide and a reference architecture for
{{ company.name }} if that helps the conversation internally.
""",
    ),
    _step(
        5,
        "Shall we put a pilot on the calendar?",
        """
Hi {{ first_name }},

The quickest way to judge Pauhu is a two-week pilot on your own
infrastructure, with your own regulatory questions. We set it up together,
and you keep the results either way.

Just reply with a week that suits you, and I will take care of the rest.
""",
    ),
)

WARM_REGULATORY = (
    _step(
        0,
        "Finding the right EU rule, in any of 24 languages",
        """
Hi {{ first_name }},

When a question spans a directive, its national transpositions and the
case law around it, the answer is usually scattered across EUR-Lex, CURIA
and a terminology lookup in IATE. Pauhu brings those sources into one
search that understands all 24 official EU languages, so a query in Finnish
finds the German judgment that matters.

Is this a problem your team at {{ company.name }} runs into?
""",
    ),
    _step(
        4,
        "How compliance teams use multilingual search",
        """
Hi {{ first_name }},

Three things compliance teams tell us they use Pauhu for most: tracking
how a regulation changed between consolidated versions, checking how the
Court has read a provision, and finding the official term for a concept in
another language before a translation goes out.

Happy to show any of these on a short call.
""",
    ),
    _step(
        8,
        "Public tenders without the noise",
        """
Hi {{ first_name }},

TED publishes thousands of notices a day. Pauhu lets you search them
alongside the legislation they cite, in your own language, and save a
query so new matching notices reach you as they are published.

Would that save your team time?
""",
    ),
    _step(
        14,
        "Your data stays in the EU, or on your own servers",
        """
Hi {{ first_name }},

Pauhu runs in EU data centres or on your own infrastructure, never
elsewhere. For teams with strict requirements we offer on-premise and
air-gapped deployments, so sensitive searches never leave the building.

If data residency has held back an evaluation at {{ company.name }}, I would
be glad to walk through the options.
""",
    ),
    _step(
        21,
        "Should I close your file?",
        """
Hi {{ first_name }},

I have not heard back, which usually means the timing is not right. I will
not keep writing; if EU regulatory search becomes a priority, a reply to
this e-mail reaches me directly.
""",
    ),
)

COLD_EDUCATION = (
    _step(
        0,
        "A short guide to the EU's legal databases",
        """
Hi {{ first_name }},

EUR-Lex holds EU law, CURIA the Court's case law, TED public procurement
notices and IATE the EU's official terminology. Together they answer most
questions about EU regulation, once you know where to look.

We wrote a short, practical guide to searching them well. It is free, and
yours if you reply to this e-mail.
""",
    ),
    _step(
        7,
        "Why the same rule reads differently in 24 languages",
        """
Hi {{ first_name }},

Every EU language version of a regulation is equally authentic, and
small differences between them sometimes decide a case. Searching across
languages, not just in your own, is how legal teams catch those
differences early.

Pauhu was built for exactly that kind of search.
""",
    ),
    _step(
        14,
        "Keeping EU regulatory work on your own terms",
        """
Hi {{ first_name }},

One last note from us: if your organisation needs regulatory search that
stays under its own control, Pauhu can run on-premise, with no data
leaving your network.

Whenever that becomes relevant, a reply is all it takes.
""",
    ),
)


_DEFAULTS: tuple[tuple[str, str, str, ScoreSegment, tuple[SequenceStep, ...]], ...] = (
    (
        "seq-hot-sovereign",
        "Hot: sovereign deployment",
        "For ICP 70+: a demo, air-gapped deployment, a pilot.",
        ScoreSegment.HOT,
        HOT_SOVEREIGN,
    ),
    (
        "seq-warm-regulatory",
        "Warm: regulatory search",
        "For ICP 40-69: what multilingual EU regulatory search solves.",
        ScoreSegment.WARM,
        WARM_REGULATORY,
    ),
    (
        "seq-cold-education",
        "Cold: education",
        "For ICP under 40: useful knowledge about EU legal sources.",
        ScoreSegment.COLD,
        COLD_EDUCATION,
    ),
)


def default_sequences(now: datetime) -> tuple[EmailSequence, ...]:
    """The three sequences, created a microsecond apart so that "oldest first" lists them
    in the seed's order."""
    return tuple(
        EmailSequence(
            id=id,
            name=name,
            description=description,
            segment=segment,
            status=SequenceStatus.ACTIVE,
            steps=steps,
            created_at=now + timedelta(microseconds=position),
            updated_at=now + timedelta(microseconds=position),
        )
        for position, (id, name, description, segment, steps) in enumerate(_DEFAULTS)
    )
