"""A custom ``Mailer`` adapter: each e-mail becomes an ``.eml`` file in a folder.

    python examples/custom_mailer.py [FOLDER]

A mailer is any object with ``async send(message) -> SendReceipt`` and
``async aclose()`` (the ``pauhu_crm_core.ports.Mailer`` protocol; no base
class). This one is handed to the facade directly, ``CRM(store=...,
clock=..., mailer=...)``, and a sequence run sends through it. Open the
files with any mail client, or use the folder as a test fixture.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import anyio

from pauhu_crm_adapters.clock import SystemClock
from pauhu_crm_adapters.mail.message import POLICY, build_mime_message
from pauhu_crm_adapters.sql import open_sql_store
from pauhu_crm_core import CRM, Clock, ProviderError
from pauhu_crm_core.mail import EmailMessage, SendReceipt


class EmlFolderMailer:
    """Writes each message to ``<folder>/<message id>.eml``; never sends anything."""

    def __init__(self, folder: Path, clock: Clock) -> None:
        self._folder = folder
        self._clock = clock

    async def send(self, message: EmailMessage) -> SendReceipt:
        # The shared builder refuses what no mailer may send (header injection, two
        # recipients, …) with a permanent ProviderError, as the built-in mailers do.
        mime = build_mime_message(message, date=self._clock.now())
        name = re.sub(r"[^A-Za-z0-9._-]", "_", message.message_id.strip("<>")) + ".eml"
        path = self._folder / name
        try:
            # File I/O blocks: keep it off the event loop.
            await anyio.to_thread.run_sync(path.write_bytes, mime.as_bytes(policy=POLICY))
        except OSError as exc:
            # Not permanent: a later run tries again (up to the engine's max_attempts).
            raise ProviderError(f"could not write {path}: {exc}") from exc
        return SendReceipt(message_id=message.message_id, provider_id=str(path))

    async def aclose(self) -> None:
        """Nothing to close."""


async def run(folder: Path) -> None:
    clock = SystemClock()
    store = await open_sql_store(f"sqlite:///{folder / 'crm.db'}")
    async with CRM(store=store, clock=clock, mailer=EmlFolderMailer(folder, clock)) as crm:
        ws = crm.workspace("ws-mailer-demo")
        if (await ws.contacts.list(limit=1)).total == 0:
            co = await ws.companies.create(name="Riigi Infosüsteemi Amet", domain="ria.ee")
            contact = await ws.contacts.create(
                email="kadri.ounapuu@ria.ee.example", first_name="Kadri", company_id=co.id
            )
            # Every workspace starts with the seed's sequences; step 1 is due at once.
            await ws.sequences.enroll("seq-hot-sovereign", contact_id=contact.id)
        result = await ws.sequences.run()
        print(f"sent {result.sent}, errors {result.errors}")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path(tempfile.mkdtemp(prefix="pauhu-eml-"))
    folder.mkdir(parents=True, exist_ok=True)
    anyio.run(run, folder)
    for path in sorted(folder.glob("*.eml")):
        print(path)


if __name__ == "__main__":
    main()
