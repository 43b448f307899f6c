"""Reading a shared file into what its preview needs, with no database: it runs before the transaction.

Parsing a workbook, cleaning its rows and OCR take seconds; the pipeline runs
this step first (``DocumentsConnector.prepare_files``), so the database's write
lock is held only for the short step that compares with stored records and
saves the preview.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass

from bot.errors import ActionRejected
from bot.models import Attachment
from connectors.data_entry.forms import Form
from connectors.documents.errors import DocumentRefused
from connectors.documents.expense import ExpenseDraft, Extractor, receipt_draft
from connectors.documents.mapping import ColumnMap, Embed, best_form, map_columns
from connectors.documents.plan import Plan, plan_rows
from connectors.documents.rules import CleaningRules
from connectors.documents.sheets import Table, read_table
from connectors.documents.sniff import Limits, sniff


@dataclass(frozen=True, kw_only=True)
class SheetRead:
    """A table cleaned into rows for ``form``, checked against itself (not yet against stored records)."""

    name: str
    sha256: str
    table: Table
    form: Form
    columns: ColumnMap
    plan: Plan


@dataclass(frozen=True, kw_only=True)
class ReceiptRead:
    """A receipt's reading, as an expense draft."""

    name: str
    sha256: str
    form: Form
    draft: ExpenseDraft


Read = SheetRead | ReceiptRead


@dataclass(frozen=True, kw_only=True)
class Reader:
    """What reading needs: the limits, the forms with their cleaning rules, and the lent NLU helpers."""

    limits: Limits
    forms: dict[str, Form]
    rules: CleaningRules
    embed: Embed | None = None
    extractor: Extractor | None = None


async def read_file(reader: Reader, files: list[Attachment], said: str) -> Read:
    """The one shared file, read; raises ``DocumentRefused`` with the reason it cannot be taken."""
    if len(files) > 1:
        raise ActionRejected("Please send one file at a time, so each gets its own preview.")
    file = files[0]
    if file.content is None:
        raise DocumentRefused(file.name, "the file could not be downloaded from the chat. Try sharing it again.")
    name, data = file.name, file.content
    kind = sniff(name, data, reader.limits)
    digest = hashlib.sha256(data).hexdigest()
    if kind in ("csv", "xlsx"):
        return await asyncio.to_thread(_sheet, reader, name, data, kind, said, digest)
    form = reader.forms.get("expense")
    if form is None:
        raise DocumentRefused(name, "there is no expense form to enter a receipt into.")
    draft = await asyncio.to_thread(receipt_draft, name, data, kind, form, reader.limits, reader.extractor)
    return ReceiptRead(name=name, sha256=digest, form=form, draft=draft)


def _sheet(reader: Reader, name: str, data: bytes, kind: str, said: str, digest: str) -> SheetRead:
    """Blocking (parsing, cleaning, header matching): run it in a thread."""
    table = read_table(name, kind, data, reader.limits)  # type: ignore[arg-type]
    form = form_for(reader, said, table.headers, name)
    columns = map_columns(table.headers, form, reader.rules.form(form.name), reader.embed)
    if columns.missing_required:
        raise DocumentRefused(name, f"no column gives the {form.name} field(s) "
                                    f"{', '.join(columns.missing_required)} (headers: {', '.join(table.headers)}).")
    plan = plan_rows(table, form, columns, reader.rules, existing={})
    return SheetRead(name=name, sha256=digest, table=table, form=form, columns=columns, plan=plan)


def form_for(reader: Reader, said: str, headers: list[str], name: str) -> Form:
    """The form named in the words sent with the file, else the one whose fields the headers cover best."""
    words = set(re.findall(r"[a-z_]+", said.lower()))
    for form_name, form in reader.forms.items():
        if form_name in words or f"{form_name}s" in words:
            return form
    guess = best_form(headers, reader.forms, {n: reader.rules.form(n) for n in reader.forms}, reader.embed)
    if guess is None:
        raise DocumentRefused(name, f"I can't tell which form its columns belong to ({', '.join(headers)}). "
                                    f"Say which one with the file: {', '.join(sorted(reader.forms))}.")
    return reader.forms[guess]
