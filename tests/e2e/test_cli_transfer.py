"""``pauhu-crm import`` and ``pauhu-crm export``, run as commands on a real SQLite file."""

from __future__ import annotations

import csv
import json
import os
import pty
import subprocess
from pathlib import Path

import pytest

from .conftest import clean_environment, pauhu_crm_command

TIMEOUT_SECONDS = 60
WORKSPACE = "ws-cli-transfer"

CONTACTS_CSV = (
    "Sähköposti,First Name,Score,tags,created_at\n"
    "sanna@dvv.fi,Säde,55,gov;eu,2020-01-01T00:00:00Z\n"
    "not-an-address,X,,,\n"
    "matti@vero.fi,Matti,,,\n"
)


def pauhu_crm(
    database: Path, *args: str, stdin: str | None = None, stderr: int | None = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *pauhu_crm_command(),
            *args,
            "--workspace",
            WORKSPACE,
            "--database-url",
            f"sqlite:///{database}",
        ],
        input=stdin,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=clean_environment(),
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "crm.db"


@pytest.fixture
def contacts_file(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(CONTACTS_CSV, encoding="utf-8")
    return path


def test_import_reports_row_errors_to_a_file_and_imports_the_rest(
    database: Path, contacts_file: Path, tmp_path: Path
) -> None:
    report = tmp_path / "errors.csv"

    result = pauhu_crm(
        database,
        "import",
        "contacts",
        str(contacts_file),
        "--map",
        "Sähköposti=email",
        "--map",
        "Score=lead_score",
        "--report",
        str(report),
    )

    assert result.returncode == 0, result.stderr
    assert "3 rows of contacts: 2 created, 0 updated, 0 skipped" in result.stdout
    assert "1 failed" in result.stdout
    assert "columns ignored: created_at" in result.stdout
    with report.open(encoding="utf-8", newline="") as file:
        assert list(csv.DictReader(file)) == [
            {
                "row": "3",
                "field": "email",
                "message": "must be an e-mail address like name@example.eu",
            }
        ]


def test_what_import_wrote_export_gives_back_as_csv_and_as_json_lines(
    database: Path, contacts_file: Path, tmp_path: Path
) -> None:
    pauhu_crm(database, "import", "contacts", str(contacts_file), "--map", "Sähköposti=email")
    output = tmp_path / "out.csv"

    as_csv = pauhu_crm(database, "export", "contacts", "--output", str(output))
    as_jsonl = pauhu_crm(database, "export", "contacts", "--format", "jsonl")

    assert as_csv.returncode == 0, as_csv.stderr
    with output.open(encoding="utf-8", newline="") as file:
        rows = sorted(csv.DictReader(file), key=lambda row: row["email"])
    assert [(r["email"], r["first_name"], r["tags"]) for r in rows] == [
        ("matti@vero.fi", "Matti", ""),
        ("sanna@dvv.fi", "Säde", "gov;eu"),
    ]
    records = [json.loads(line) for line in as_jsonl.stdout.splitlines()]
    assert sorted(r["email"] for r in records) == ["matti@vero.fi", "sanna@dvv.fi"]
    assert {r["id"] for r in records} == {r["id"] for r in rows}


def test_a_dry_run_writes_nothing(database: Path, contacts_file: Path) -> None:
    result = pauhu_crm(
        database,
        "import",
        "contacts",
        str(contacts_file),
        "--map",
        "Sähköposti=email",
        "--dry-run",
    )
    exported = pauhu_crm(database, "export", "contacts", "--format", "jsonl")

    assert "2 created" in result.stdout
    assert "a dry run: nothing was written" in result.stdout
    assert exported.stdout == ""


def test_import_reads_standard_input_and_updates_on_conflict(database: Path) -> None:
    pauhu_crm(database, "import", "companies", "-", stdin="name,domain\nDVV,dvv.fi\n")

    result = pauhu_crm(
        database,
        "import",
        "companies",
        "-",
        "--on-conflict",
        "update",
        stdin="\ufeffname,domain\nDVV Oy,https://www.dvv.fi\n",
    )
    exported = pauhu_crm(database, "export", "companies", "--format", "jsonl")

    assert "0 created, 1 updated" in result.stdout
    [company] = [json.loads(line) for line in exported.stdout.splitlines()]
    assert (company["name"], company["domain"]) == ("DVV Oy", "dvv.fi")


def test_a_bad_map_stops_the_import_before_any_row_naming_it(
    database: Path, contacts_file: Path
) -> None:
    result = pauhu_crm(database, "import", "contacts", str(contacts_file), "--map", "Nope=email")

    assert result.returncode == 1
    assert "map.0: names column 'Nope'" in result.stderr


def test_a_file_that_is_not_utf_8_is_refused(database: Path, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("email,first_name\nx@dvv.fi,Säde\n".encode("latin-1"))

    result = pauhu_crm(database, "import", "contacts", str(path))

    assert result.returncode != 0
    assert "is not UTF-8 text" in result.stderr


def test_the_progress_bar_shows_only_when_stderr_is_a_terminal(
    database: Path, contacts_file: Path
) -> None:
    piped = pauhu_crm(database, "import", "contacts", str(contacts_file), "--dry-run")
    controller, terminal = pty.openpty()
    try:
        on_terminal = pauhu_crm(
            database, "import", "contacts", str(contacts_file), "--dry-run", stderr=terminal
        )
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal's other end is closed: all was read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)

    assert on_terminal.returncode == 0
    assert "Importing contacts" not in piped.stderr
    assert b"Importing contacts" in shown
