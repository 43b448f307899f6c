"""DocumentsConnector: files shared in a thread become records or expenses after a preview.

``document.receive`` is reached by the pipeline when a message carries
attachments; Enter, Cancel and the report are buttons on the preview. A file
is entered in one transaction, once: the click that moves the import from
``ready`` to ``entered`` inserts the records, any other click changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_serializer

from bot.errors import ActionRejected
from bot.models import ActionResult, Attachment
from connectors.base import ActionContext, Connector, ConnectorConfig, action
from connectors.data_entry.connector import record_ref
from connectors.data_entry.forms import Form, load_forms
from connectors.documents import preview, store
from connectors.documents.corrections import corrected
from connectors.documents.expense import Extractor, to_record
from connectors.documents.mapping import Embed
from connectors.documents.plan import Key, against_stored, keys_of
from connectors.documents.reading import Read, Reader, ReceiptRead, SheetRead, read_file
from connectors.documents.report import rejected_csv, report_name
from connectors.documents.rules import check_against, load_rules
from connectors.documents.sniff import EXTENSIONS, Limits
from connectors.tables import records

RECEIVE = "document.receive"
_IMPORT_ID = r"^[0-9a-f]{32}$"


class DocumentsConfig(ConnectorConfig):
    forms_file: Path | None = None
    cleaning_file: Path | None = None
    documents_max_mb: float = Field(default=10, gt=0, le=100)
    documents_max_rows: int = Field(default=5000, ge=1, le=100_000)


class ReceiveArgs(BaseModel):
    """What the pipeline hands over for a message with files: the files and the words with them."""

    model_config = ConfigDict(extra="forbid")

    attachments: list[Attachment] = Field(min_length=1)
    text: str = ""
    form: str | None = None
    _read: Read | None = PrivateAttr(default=None)
    """The file already read by ``prepare_files``, outside the transaction."""

    @field_serializer("attachments")
    def _without_bytes(self, files: list[Attachment]) -> list[dict[str, Any]]:
        """Logs and the reply generator see the files' names and sizes, never their bytes."""
        return [f.model_dump(exclude={"content", "url"}) for f in files]


class ImportArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    import_id: str = Field(pattern=_IMPORT_ID)


class EnterArgs(ImportArgs):
    fields: dict[str, str] = Field(default_factory=dict, max_length=20)
    """What the user typed in a receipt card's inputs (amount, currency, merchant, date)."""


class DocumentsConnector(Connector):
    """Spreadsheets into form records and receipts into expenses, each after the user's Enter."""

    name = "documents"
    Config = DocumentsConfig
    config: DocumentsConfig
    file_types = frozenset(EXTENSIONS)
    """Name extensions read; adapters refuse other files before downloading them."""

    def __init__(self, *, config: ConnectorConfig) -> None:
        super().__init__(config=config)
        self.forms = load_forms(self.config.forms_file)
        self.rules = load_rules(self.config.cleaning_file)
        check_against(self.rules, {name: form.columns for name, form in self.forms.items()})
        self.limits = Limits(max_bytes=int(self.config.documents_max_mb * 1024 * 1024),
                             max_rows=self.config.documents_max_rows)
        self.embed: Embed | None = None
        self.extractor: Extractor | None = None

    def use_encoder(self, embed: Embed) -> None:
        """Lend the NLU's sentence encoder, so headers are also matched to fields by meaning."""
        self.embed = embed

    def use_extractor(self, extractor: Extractor) -> None:
        """Lend a reader of receipt text (the NLU's); the built-in parser remains the fallback."""
        self.extractor = extractor

    @property
    def reader(self) -> Reader:
        return Reader(limits=self.limits, forms=self.forms, rules=self.rules, embed=self.embed,
                      extractor=self.extractor)

    async def prepare_files(self, args: ReceiveArgs) -> ReceiveArgs:
        """Read the file before the pipeline's transaction (parsing and OCR take seconds; the database's
        write lock is then held only while the preview is saved)."""
        args._read = await read_file(self.reader, args.attachments, args.form or args.text)
        return args

    @action(RECEIVE, args=ReceiveArgs, internal=True)
    async def receive(self, ctx: ActionContext, args: ReceiveArgs) -> ActionResult:
        """Read a shared file and show what would be entered."""
        read = args._read or await read_file(self.reader, args.attachments, args.form or args.text)
        if isinstance(read, SheetRead):
            return await self._sheet(ctx, read)
        return await self._receipt(ctx, read)

    async def _sheet(self, ctx: ActionContext, read: SheetRead) -> ActionResult:
        name, form, table, columns = read.name, read.form, read.table, read.columns
        existing = await self._existing_keys(ctx, form)
        plan = against_stored(read.plan, existing, self.rules.form(form.name).duplicates)
        before = await store.entered_before(ctx.session, form=form.name, sha256=read.sha256)
        note = " ".join(filter(None, [table.note, f"This same file was already entered ({before.entered_count} "
                                      "records); its rows show as already entered." if before else ""]))
        report = rejected_csv(table.headers, plan.rejected) if plan.rejected else None
        import_id = await store.create(
            ctx.session, kind="records", form=form.name, file_name=name, sha256=read.sha256,
            created_by=ctx.actor.user, origin=ctx.origin.model_dump(mode="json"), payload={"rows": plan.ready},
            report=report, ready=len(plan.ready), rejected=len(plan.rejected), now=ctx.now)
        card = preview.sheet_card(import_id=import_id, file_name=name, form=form.name, ready=len(plan.ready),
                                  rejected=plan.rejected, mapping=columns.lines(table.headers),
                                  ignored=columns.ignored, note=note)
        return ActionResult(action=RECEIVE, status="pending", summary=card.title, card=card,
                            data={"import_id": import_id, "form": form.name, "ready": len(plan.ready),
                                  "rejected": [{"row": r.row, "problems": [[p.column, p.message] for p in r.problems]}
                                               for r in plan.rejected]})

    async def _existing_keys(self, ctx: ActionContext, form: Form) -> dict[Key, str]:
        duplicates = self.rules.form(form.name).duplicates
        if not duplicates:
            return {}
        found: dict[Key, str] = {}
        rows = await ctx.session.execute(sa.select(records.c.id, records.c.data).where(records.c.form == form.name))
        for record_id, data in rows.all():
            for key in keys_of(data or {}, duplicates):
                found.setdefault(key, record_ref(form.name, record_id))
        return found

    async def _receipt(self, ctx: ActionContext, read: ReceiptRead) -> ActionResult:
        draft = read.draft
        import_id = await store.create(
            ctx.session, kind="receipt", form=read.form.name, file_name=read.name, sha256=read.sha256,
            created_by=ctx.actor.user, origin=ctx.origin.model_dump(mode="json"), payload=draft.payload(),
            report=None, ready=0 if draft.missing else 1, rejected=0, now=ctx.now)
        card = preview.receipt_card(import_id=import_id, file_name=read.name, read=draft.read, missing=draft.missing)
        return ActionResult(action=RECEIVE, status="pending", summary=card.title, card=card,
                            data={"import_id": import_id, "form": read.form.name, "read": draft.read,
                                  "read_by": draft.read_by, "record": draft.record})

    @action(preview.ENTER, args=EnterArgs, internal=True)
    async def enter(self, ctx: ActionContext, args: EnterArgs) -> ActionResult:
        """Enter the previewed rows (or expense) in one transaction; a second click changes nothing."""
        item = await self._own(ctx, args.import_id)
        if item.state != store.READY:
            return _already(item)
        form = self.forms[item.form]
        rows = [(r, v) for r, v in item.payload.get("rows", [])]
        if item.kind == "receipt":
            rows = [(0, form.validate(to_record(corrected(item.payload["read"], args.fields), form)))]
        existing = await self._existing_keys(ctx, form)
        duplicates = self.rules.form(form.name).duplicates
        fresh = [(r, v) for r, v in rows if not any(k in existing for k in keys_of(v, duplicates))]
        if not await store.decide(ctx.session, item, state=store.ENTERED, by=ctx.actor.user, now=ctx.now,
                                  entered=len(fresh)):
            return _already(await self._own(ctx, args.import_id))
        refs = await self._insert(ctx, form, item.id, fresh)
        footer = preview.entered_text(form=form.name, file_name=item.file_name, entered=len(fresh),
                                      skipped=len(rows) - len(fresh), left_out=item.rejected_count, refs=refs)
        return ActionResult(action=preview.ENTER, summary=footer, replace=True,
                            card=preview.outcome_card(f"{item.file_name} → {form.name}", footer),
                            data={"import_id": item.id, "entered": len(fresh), "refs": refs})

    async def _insert(self, ctx: ActionContext, form: Form, import_id: str,
                      rows: list[tuple[int, dict[str, Any]]]) -> list[str]:
        """Insert the rows (one statement for a file); the reference of a single record is returned."""
        values = [{"form": form.name, "data": data, "created_by": ctx.actor.user, "created_at": ctx.now,
                   "idempotency_key": f"document:{import_id}:{row}"} for row, data in rows]
        if len(values) == 1:
            result = cast(sa.CursorResult[Any], await ctx.session.execute(records.insert().values(**values[0])))
            assert result.inserted_primary_key is not None
            return [record_ref(form.name, int(result.inserted_primary_key[0]))]
        if values:
            await ctx.session.execute(records.insert(), values)
        return []

    @action(preview.CANCEL, args=ImportArgs, internal=True)
    async def cancel(self, ctx: ActionContext, args: ImportArgs) -> ActionResult:
        """Drop a previewed file; nothing is entered."""
        item = await self._own(ctx, args.import_id)
        if item.state != store.READY or not await store.decide(
                ctx.session, item, state=store.CANCELLED, by=ctx.actor.user, now=ctx.now):
            return _already(await self._own(ctx, args.import_id))
        footer = f"Cancelled: nothing from {item.file_name} was entered."
        return ActionResult(action=preview.CANCEL, status="cancelled", summary=footer, replace=True,
                            card=preview.outcome_card(f"{item.file_name} → {item.form}", footer))

    @action(preview.REPORT, args=ImportArgs, internal=True)
    async def report(self, ctx: ActionContext, args: ImportArgs) -> ActionResult:
        """The rejected rows of a file as a CSV to download, fix and send again."""
        item = await self._own(ctx, args.import_id)
        if not item.report:
            return ActionResult(action=preview.REPORT, summary=f"No row of {item.file_name} was rejected.",
                                private=True)
        file = Attachment(name=report_name(item.file_name), mime_type="text/csv",
                          content=item.report.encode("utf-8"), size=len(item.report.encode("utf-8")))
        return ActionResult(action=preview.REPORT, private=True, attachments=(file,),
                            summary=f"{item.rejected_count} rejected row(s) of {item.file_name}: {file.name}",
                            data={"csv": item.report, "name": file.name})

    async def _own(self, ctx: ActionContext, import_id: str) -> store.Import:
        item = await store.get(ctx.session, import_id)
        if item is None:
            raise ActionRejected("That file preview is no longer available.", private=True)
        if item.created_by != ctx.actor.user:
            raise ActionRejected("Only the person who shared the file can enter or cancel it.", private=True)
        return item


def _already(item: store.Import) -> ActionResult:
    if item.state == store.ENTERED:
        text = f"{item.file_name} was already entered ({item.entered_count} records); nothing was added again."
    else:
        text = f"{item.file_name} was cancelled; nothing was entered."
    return ActionResult(action=preview.ENTER, status="rejected", summary=text, private=True)
