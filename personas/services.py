"""Workflows of the personas app: the taxonomy (seed, merge) and contact imports (run, stats).

Errors for people are constants, so tests can assert on them; bad input raises Django's
`ValidationError` with messages by field, a request that does not fit the current state raises
`StateConflict` (409 over HTTP).
"""

import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, ProtectedError, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from blueprints.models import Channel
from personas import demo_data, tabular
from personas.models import (
    MAX_STORED_ERRORS,
    TEXT_MAX,
    Contact,
    ContactImport,
    ContactReason,
    ImportStatus,
    ReasonSource,
)
from workshops.models import Workspace

logger = logging.getLogger(__name__)

BATCH_SIZE = 5000
STALE_AFTER = timedelta(minutes=10)

MERGE_INTO_ITSELF = "Choose another node to merge into."
MERGE_INTO_OWN_CHILD = "A category cannot merge into one of its own subcategories."
MERGE_CATEGORY_INTO_SUBCATEGORY = "A category merges into another category."
IN_USE = "Contacts use this node: merge it into another node instead of deleting it."
ALREADY_RUNNING = "This import is running."
ALREADY_DONE = "This import is done; upload the file again to import it once more."
NOT_WHILE_RUNNING = "This import is running; wait until it is done or failed."
MAPPING_MISSING = "Map a column to {fields} before starting."
EMPTY_CUSTOMER = "The customer id ({column}) is empty."
LONG_CUSTOMER = "The customer id ({column}) is longer than 100 characters."
EMPTY_DATE = "The contact date ({column}) is empty."
BAD_DATE = "“{value}” ({column}) is not a date: use day/month/year or year-month-day."
BAD_AGE = "“{value}” ({column}) is not an age (a whole number from 0 to 120)."
BAD_GENDER = "“{value}” ({column}) is not a gender: female, male, other or empty."
SUBCATEGORY_ALONE = "The subcategory “{value}” has no category, and no category has it."
IMPORT_CRASHED = "The import stopped ({error}); nothing of it was kept. Start it again."


class StateConflict(Exception):
    """The request does not fit the object's current state; the message is for people."""


def key_of(name: str) -> str:
    return " ".join(name.split()).casefold()


# --- taxonomy ------------------------------------------------------------------------------


def taxonomy_seed(*, workspace: Workspace) -> int:
    """Add the demo taxonomy's missing nodes; idempotent. Nodes the facilitator merged away
    (their names are aliases now) stay away. Returns how many nodes were added."""
    added = 0
    nodes = list(ContactReason.objects.filter(workspace=workspace))
    taken = {(node.parent_id, key_of(node.name)) for node in nodes}
    aliases = {key_of(alias) for node in nodes for alias in node.aliases}
    by_key = {key_of(node.name): node for node in nodes if node.parent_id is None}
    for category_name, subcategories in demo_data.TAXONOMY.items():
        category = by_key.get(key_of(category_name))
        if category is None:
            if key_of(category_name) in aliases:
                continue
            category = ContactReason.objects.create(
                workspace=workspace, name=category_name, source=ReasonSource.SEED
            )
            added += 1
        for name in subcategories:
            if (category.pk, key_of(name)) in taken or key_of(name) in aliases:
                continue
            ContactReason.objects.create(
                workspace=workspace, parent=category, name=name, source=ReasonSource.SEED
            )
            added += 1
    return added


@transaction.atomic
def demo_seed(*, workspace: Workspace) -> str:
    """The personas part of `seed_demo` (idempotent); a line for its output."""
    added = taxonomy_seed(workspace=workspace)
    total = ContactReason.objects.filter(workspace=workspace).count()
    return f"Contact-reason taxonomy: {total} nodes ({added} added)."


@transaction.atomic
def contact_reason_merge(*, source: ContactReason, into: ContactReason) -> ContactReason:
    """Move `source`'s contacts (and subcategories) to `into`, then delete `source`.

    A category merges into a category: its subcategories move along (merging into a
    namesake there). A subcategory merges into a subcategory (its contacts change category
    with it) or into a category (its contacts keep only the category).
    """
    if source.pk == into.pk:
        raise ValidationError({"into": [MERGE_INTO_ITSELF]})
    if into.parent_id == source.pk:
        raise ValidationError({"into": [MERGE_INTO_OWN_CHILD]})
    if source.parent_id is None and into.parent_id is not None:
        raise ValidationError({"into": [MERGE_CATEGORY_INTO_SUBCATEGORY]})
    contacts = Contact.objects.filter(workspace_id=source.workspace_id)
    if source.parent_id is None:
        contacts.filter(category=source).update(category=into)
        namesakes = {key_of(child.name): child for child in into.children.all()}
        for child in source.children.all():
            twin = namesakes.get(key_of(child.name))
            if twin is None:
                child.parent = into
                child.save(update_fields=["parent"])
            else:
                contact_reason_merge(source=child, into=twin)
    elif into.parent_id is None:
        contacts.filter(subcategory=source).update(category=into, subcategory=None)
    else:
        contacts.filter(subcategory=source).update(category_id=into.parent_id, subcategory=into)
    known = {key_of(name) for name in [into.name, *into.aliases]}
    for name in [source.name, *source.aliases]:
        if key_of(name) not in known:
            into.aliases.append(name)
            known.add(key_of(name))
    into.save(update_fields=["aliases"])
    source.delete()
    return into


def contact_reason_delete(*, reason: ContactReason) -> None:
    try:
        with transaction.atomic():
            reason.delete()
    except ProtectedError as error:
        raise StateConflict(IN_USE) from error


class Taxonomy:
    """The workspace's nodes by name (and alias), adding unknown raw values as unreviewed."""

    def __init__(self, workspace_id: int) -> None:
        self.workspace_id = workspace_id
        self.categories: dict[str, int] = {}
        self.subcategories: dict[tuple[int, str], int] = {}
        self.parents_by_sub: dict[str, set[tuple[int, int]]] = {}
        self.created: list[int] = []
        self.seen: dict[tuple[Any, Any], tuple[int | None, int | None]] = {}
        rows = ContactReason.objects.filter(workspace_id=workspace_id).order_by("id")
        for pk, parent, name, aliases in rows.values_list("pk", "parent_id", "name", "aliases"):
            for key in [key_of(name), *(key_of(a) for a in aliases)]:
                if parent is None:
                    self.categories.setdefault(key, pk)
                else:
                    self.subcategories.setdefault((parent, key), pk)
                    self.parents_by_sub.setdefault(key, set()).add((parent, pk))

    def resolve_cells(self, category: Any, subcategory: Any) -> tuple[int | None, int | None]:
        """`resolve` for raw cells, remembered: a file repeats a few dozen pairs."""
        pair = (category, subcategory)
        if pair not in self.seen:
            self.seen[pair] = self.resolve(
                tabular.clean_name(category), tabular.clean_name(subcategory)
            )
        return self.seen[pair]

    def resolve(self, category: str, subcategory: str) -> tuple[int | None, int | None]:
        """Ids of (category, subcategory) for raw names; raises ValueError if impossible."""
        category_id = None
        if category:
            key = key_of(category)
            category_id = self.categories.get(key)
            if category_id is None:
                category_id = self.categories[key] = self._add(category, None)
        if not subcategory:
            return category_id, None
        key = key_of(subcategory)
        if category_id is None:
            homes = self.parents_by_sub.get(key, set())
            if len(homes) != 1:
                raise ValueError(SUBCATEGORY_ALONE.format(value=subcategory))
            return next(iter(homes))
        subcategory_id = self.subcategories.get((category_id, key))
        if subcategory_id is None:
            subcategory_id = self._add(subcategory, category_id)
            self.subcategories[(category_id, key)] = subcategory_id
            self.parents_by_sub.setdefault(key, set()).add((category_id, subcategory_id))
        return category_id, subcategory_id

    def _add(self, name: str, parent_id: int | None) -> int:
        try:
            with transaction.atomic():
                node = ContactReason.objects.create(
                    workspace_id=self.workspace_id,
                    parent_id=parent_id,
                    name=name,
                    reviewed=False,
                    source=ReasonSource.IMPORT,
                )
        except IntegrityError:
            # Someone added it meanwhile (or the database folds case differently): use theirs.
            siblings = ContactReason.objects.filter(
                workspace_id=self.workspace_id, parent_id=parent_id, name__iexact=name
            )
            return siblings.values_list("pk", flat=True).get()
        self.created.append(node.pk)
        return node.pk

    def remove_created(self) -> None:
        """Drop the nodes this run added, where nothing else uses them by now."""
        for pk in reversed(self.created):  # subcategories before their categories
            try:
                with transaction.atomic():
                    ContactReason.objects.filter(pk=pk, children__isnull=True).delete()
            except ProtectedError:
                pass


# --- channels ------------------------------------------------------------------------------

CHANNEL_WORDS = {
    "phone": ["phone", "telephone", "call", "hotline", "llamada", "telefono", "telefonata",
              "telefone", "ligacao", "tel", "call center", "call centre"],
    "email": ["email", "e-mail", "mail", "correo", "correo electronico", "posta elettronica"],
    "web_form": ["web form", "webform", "web", "formulario", "formulario web", "form",
                 "modulo web", "website", "sitio web", "sito web", "contact form"],
    "chat": ["chat", "live chat", "whatsapp", "messenger", "telegram"],
    "social": ["social", "social media", "facebook", "instagram", "twitter", "x", "tiktok",
               "linkedin", "redes sociales", "rrss", "social network"],
    "store": ["store", "shop", "tienda", "negozio", "loja", "punto de venta"],
}  # fmt: skip
_CHANNEL_KIND = {
    tabular.normalized(word): kind for kind, words in CHANNEL_WORDS.items() for word in words
}


class Channels:
    """Raw channel text → a workspace channel, by name or by the kind the word names."""

    def __init__(self, workspace_id: int) -> None:
        self.by_name: dict[str, int | None] = {}
        self.by_kind: dict[str, int] = {}
        for pk, name, kind in (
            Channel.objects.filter(workspace_id=workspace_id)
            .order_by("id")
            .values_list("pk", "name", "kind")
        ):
            self.by_name.setdefault(key_of(name), pk)
            self.by_kind.setdefault(kind, pk)

    def resolve(self, raw: str) -> int | None:
        key = key_of(raw)
        if key not in self.by_name:
            kind = _CHANNEL_KIND.get(tabular.normalized(raw))
            self.by_name[key] = self.by_kind.get(kind) if kind else None
        return self.by_name[key]


# --- imports -------------------------------------------------------------------------------


def contact_import_create(
    *, workspace: Workspace, user: Any, upload: UploadedFile, detected: tabular.Detected
) -> ContactImport:
    contact_import = ContactImport(
        workspace=workspace,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        file_name=(upload.name or "upload")[:255],
        format=detected.format,
        delimiter=detected.delimiter,
        encoding=detected.encoding,
        columns=detected.columns,
        preview=detected.preview,
        mapping=tabular.suggest_mapping(detected.columns),
    )
    upload.seek(0)
    contact_import.file.save(upload.name or "upload", upload, save=False)
    contact_import.save()
    return contact_import


def contact_import_redetect(
    *, contact_import: ContactImport, encoding: str | None, delimiter: str | None
) -> None:
    """Read the file again with the encoding or delimiter the user chose."""
    with contact_import.file.open("rb") as stream:
        detected = tabular.detect(stream, encoding=encoding, delimiter=delimiter)
    contact_import.encoding = detected.encoding
    contact_import.delimiter = detected.delimiter
    contact_import.columns = detected.columns
    contact_import.preview = detected.preview
    kept = {k: v for k, v in contact_import.mapping.items() if v in detected.columns}
    contact_import.mapping = kept or tabular.suggest_mapping(detected.columns)


def contact_import_update(*, contact_import: ContactImport, changes: dict[str, Any]) -> None:
    if contact_import.status in (ImportStatus.RUNNING, ImportStatus.DONE):
        raise StateConflict(
            NOT_WHILE_RUNNING if contact_import.status == ImportStatus.RUNNING else ALREADY_DONE
        )
    fields = set()
    if changes.get("encoding") or changes.get("delimiter"):
        contact_import_redetect(
            contact_import=contact_import,
            encoding=changes.get("encoding") or contact_import.encoding,
            delimiter=changes.get("delimiter") or contact_import.delimiter,
        )
        fields |= {"encoding", "delimiter", "columns", "preview", "mapping"}
    if "mapping" in changes:
        contact_import.mapping = changes["mapping"]
        fields.add("mapping")
    if fields:
        contact_import.save(update_fields=sorted(fields))


def is_stale(contact_import: ContactImport) -> bool:
    beat = contact_import.heartbeat_at or contact_import.started_at
    return beat is None or timezone.now() - beat > STALE_AFTER


def contact_import_start(*, contact_import: ContactImport) -> None:
    """Check the mapping, reset the counters and queue the run (a background task)."""
    from personas import tasks  # the task module imports this one

    with transaction.atomic():
        current = ContactImport.objects.select_for_update().get(pk=contact_import.pk)
        if current.status == ImportStatus.DONE:
            raise StateConflict(ALREADY_DONE)
        if current.status == ImportStatus.RUNNING and not is_stale(current):
            raise StateConflict(ALREADY_RUNNING)
        missing = [name for name in tabular.REQUIRED_FIELDS if not current.mapping.get(name)]
        if missing:
            raise ValidationError({"mapping": [MAPPING_MISSING.format(fields=", ".join(missing))]})
        # Leftovers of a run that stopped (its process died) go before the new run.
        Contact.objects.filter(contact_import=current).delete()
        now = timezone.now()
        ContactImport.objects.filter(pk=current.pk).update(
            status=ImportStatus.RUNNING,
            progress=0.0,
            rows_total=0,
            rows_imported=0,
            errors=[],
            errors_total=0,
            started_at=now,
            heartbeat_at=now,
            finished_at=None,
        )
    tasks.run_contact_import.enqueue(contact_import.pk)


class RowProblem(ValueError):
    pass


CONTACT_COLUMNS = (
    "workspace_id", "contact_import_id", "customer_id", "contact_date", "category_id",
    "subcategory_id", "channel_id", "channel_raw", "gender", "age", "birth_date", "residence",
    "birthplace",
)  # fmt: skip


def insert_contacts(rows: list[tuple]) -> None:
    """Insert rows of CONTACT_COLUMNS: COPY on PostgreSQL, one `executemany` elsewhere.

    Not `bulk_create`: it spends two thirds of an import compiling SQL and building model
    instances for rows that are all alike, and on PostgreSQL row-by-row inserts are five
    times slower than COPY (bench/bench_import.py).
    """
    quote = connection.ops.quote_name
    table = quote(Contact._meta.db_table)
    names = ", ".join(quote(name) for name in CONTACT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(CONTACT_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def contact_builder(
    contact_import: ContactImport, taxonomy: Taxonomy, channels: Channels
) -> Callable[[list[Any]], tuple]:
    """A function turning one row's values into a row of CONTACT_COLUMNS (or raising
    RowProblem)."""
    as_date = connection.ops.adapt_datefield_value
    index = {name: contact_import.columns.index(column) for name, column in
             contact_import.mapping.items() if column in contact_import.columns}  # fmt: skip
    column = {name: contact_import.columns[position] for name, position in index.items()}
    workspace_id, import_id = contact_import.workspace_id, contact_import.pk
    width = len(contact_import.columns)

    def build(values: list[Any]) -> Contact:
        if len(values) < width:
            values = values + [""] * (width - len(values))
        get = {name: values[position] for name, position in index.items()}.get
        customer = tabular.cell_text(get("customer_id"))
        if not customer:
            raise RowProblem(EMPTY_CUSTOMER.format(column=column["customer_id"]))
        if len(customer) > 100:
            raise RowProblem(LONG_CUSTOMER.format(column=column["customer_id"]))
        raw_date = get("contact_date")
        if tabular.cell_text(raw_date) == "":
            raise RowProblem(EMPTY_DATE.format(column=column["contact_date"]))
        contact_date = tabular.parse_date(raw_date)
        if contact_date is None:
            raise RowProblem(BAD_DATE.format(value=short(raw_date), column=column["contact_date"]))
        birth_date = None
        raw_birth = get("birth_date")
        if tabular.cell_text(raw_birth):
            birth_date = tabular.parse_date(raw_birth)
            if birth_date is None:
                raise RowProblem(
                    BAD_DATE.format(value=short(raw_birth), column=column["birth_date"])
                )
        age = None
        raw_age = get("age")
        if tabular.cell_text(raw_age):
            age = tabular.parse_age(raw_age)
            if age is None:
                raise RowProblem(BAD_AGE.format(value=short(raw_age), column=column["age"]))
        elif birth_date is not None and birth_date <= contact_date:
            age = tabular.age_on(birth_date, contact_date)
        gender = tabular.parse_gender(get("gender"))
        if gender is None:
            raise RowProblem(BAD_GENDER.format(value=short(get("gender")), column=column["gender"]))
        try:
            category_id, subcategory_id = taxonomy.resolve_cells(
                get("category"), get("subcategory")
            )
        except ValueError as error:
            raise RowProblem(str(error)) from error
        channel_raw = tabular.clean_name(get("channel"), TEXT_MAX)
        return (
            workspace_id,
            import_id,
            customer,
            as_date(contact_date),
            category_id,
            subcategory_id,
            channels.resolve(channel_raw) if channel_raw else None,
            channel_raw,
            gender,
            age,
            as_date(birth_date),
            tabular.clean_name(get("residence"), TEXT_MAX),
            tabular.clean_name(get("birthplace"), TEXT_MAX),
        )

    return build


def short(value: Any) -> str:
    text = tabular.cell_text(value)
    return text if len(text) <= 40 else text[:39] + "…"


def contact_import_run(*, contact_import_id: int) -> None:
    """Import the rows: batches of BATCH_SIZE commit with the progress; bad rows are reported.

    If anything fails, the contacts and taxonomy nodes this run added are removed and the
    import is marked failed: nothing half-written stays. While it runs, its contacts are not
    visible (`Contact.objects.visible()`).
    """
    contact_import = ContactImport.objects.filter(
        pk=contact_import_id, status=ImportStatus.RUNNING
    ).first()
    if contact_import is None:
        return
    if connection.vendor == "sqlite":
        # Seven indexes grow with every batch; SQLite's default 2 MB page cache makes each
        # insert re-read them from disk (bench/bench_import.py: a third of the time).
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -131072")  # 128 MB, this connection only
    taxonomy = Taxonomy(contact_import.workspace_id)
    counts = {"rows_total": 0, "rows_imported": 0, "errors_total": 0}
    errors: list[dict[str, Any]] = []
    try:
        with contact_import.file.open("rb") as stream:
            reader = tabular.RowReader(
                stream,
                format=contact_import.format,
                encoding=contact_import.encoding,
                delimiter=contact_import.delimiter,
            )
            _import_rows(contact_import, reader, taxonomy, counts, errors)
    except Exception as error:
        logger.exception("Contact import %s failed", contact_import_id)
        Contact.objects.filter(contact_import_id=contact_import_id).delete()
        taxonomy.remove_created()
        message = IMPORT_CRASHED.format(error=type(error).__name__)
        ContactImport.objects.filter(pk=contact_import_id).update(
            status=ImportStatus.FAILED,
            rows_imported=0,
            errors=[{"line": None, "message": message}, *errors][:MAX_STORED_ERRORS],
            errors_total=counts["errors_total"] + 1,
            finished_at=timezone.now(),
        )
        return
    ContactImport.objects.filter(pk=contact_import_id).update(
        status=ImportStatus.DONE,
        progress=1.0,
        errors=errors,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        **counts,
    )


def _import_rows(
    contact_import: ContactImport,
    reader: tabular.RowReader,
    taxonomy: Taxonomy,
    counts: dict[str, int],
    errors: list[dict[str, Any]],
) -> None:
    build = contact_builder(contact_import, taxonomy, Channels(contact_import.workspace_id))
    batch: list[tuple] = []

    def report(line: int, message: str) -> None:
        counts["errors_total"] += 1
        if len(errors) < MAX_STORED_ERRORS:
            errors.append({"line": line, "message": message})

    def flush() -> None:
        with transaction.atomic():
            insert_contacts(batch)
            counts["rows_imported"] += len(batch)
            ContactImport.objects.filter(pk=contact_import.pk).update(
                progress=min(reader.fraction, 0.99),
                errors=errors,
                heartbeat_at=timezone.now(),
                **counts,
            )
        batch.clear()

    rows = iter(reader)
    next(rows, None)  # the header
    for line, values, problem in rows:
        counts["rows_total"] += 1
        if problem:
            report(line, problem)
            continue
        try:
            batch.append(build(values))
        except RowProblem as error:
            report(line, str(error))
            continue
        if len(batch) >= BATCH_SIZE:
            flush()
    flush()


def contact_import_delete(*, contact_import: ContactImport) -> None:
    if contact_import.status == ImportStatus.RUNNING and not is_stale(contact_import):
        raise StateConflict(NOT_WHILE_RUNNING)
    contact_import.file.delete(save=False)
    contact_import.delete()


# --- exploration ---------------------------------------------------------------------------


def contact_stats(*, workspace: Workspace, contact_import: ContactImport | None = None) -> dict:
    """Counts of visible contacts by category, subcategory, channel and month."""
    contacts: QuerySet = Contact.objects.visible().filter(workspace=workspace)
    if contact_import is not None:
        contacts = contacts.filter(contact_import=contact_import)
    names = dict(ContactReason.objects.filter(workspace=workspace).values_list("pk", "name"))
    by_category = contacts.values("category").annotate(count=Count("pk")).order_by("-count")
    by_subcategory = (
        contacts.exclude(subcategory=None)
        .values("category", "subcategory")
        .annotate(count=Count("pk"))
        .order_by("-count")
    )
    channel_names = dict(Channel.objects.filter(workspace=workspace).values_list("pk", "name"))
    by_channel = (
        contacts.values("channel", "channel_raw").annotate(count=Count("pk")).order_by("-count")
    )
    channels: dict[tuple[int | None, str], int] = {}
    for row in by_channel:
        name = channel_names.get(row["channel"], row["channel_raw"])
        key = (row["channel"], name if row["channel"] is None else "")
        channels[key] = channels.get(key, 0) + row["count"]
    by_month = (
        contacts.exclude(contact_date=None)
        .annotate(month=TruncMonth("contact_date"))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by("month")
    )
    return {
        "total": contacts.count(),
        "by_category": [
            {"id": r["category"], "name": names.get(r["category"], ""), "count": r["count"]}
            for r in by_category
        ],
        "by_subcategory": [
            {
                "id": r["subcategory"],
                "category": r["category"],
                "name": names.get(r["subcategory"], ""),
                "count": r["count"],
            }
            for r in by_subcategory
        ],
        "by_channel": sorted(
            (
                {"id": pk, "name": channel_names.get(pk, raw) if pk else raw, "count": count}
                for (pk, raw), count in channels.items()
            ),
            key=lambda row: -row["count"],
        ),
        "by_month": [{"month": month_text(r["month"]), "count": r["count"]} for r in by_month],
    }


def month_text(value: date | Any) -> str:
    return value.strftime("%Y-%m") if hasattr(value, "strftime") else str(value)[:7]
