"""A contact never points at a workspace, import, reason or channel that is not there.

On SQLite the foreign keys say so; on PostgreSQL statement-level triggers do, checking each
statement's rows once (personas/migrations/0007_contact_write_cost.py: per-row foreign key
checks were two thirds of an import's writing). These tests hold on both: a write that would
leave a contact pointing nowhere is refused, through the ORM, through the import's own COPY
path, and through SQL that bypasses Django's on_delete rules. Transactional: SQLite checks its
(deferred) foreign keys when the transaction commits.
"""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from blueprints.models import Channel
from personas import services
from personas.models import Contact, ContactImport, ContactReason
from workspaces.models import Workspace

MISSING = 987_654_321


@pytest.fixture
def filed(transactional_db: None) -> dict[str, Any]:
    workspace = Workspace.objects.create(name="References")
    contact_import = ContactImport.objects.create(
        workspace=workspace, file="x.csv", file_name="x.csv", status="done"
    )
    category = ContactReason.objects.create(workspace=workspace, name="Complaints")
    subcategory = ContactReason.objects.create(workspace=workspace, name="Taste", parent=category)
    channel = Channel.objects.create(workspace=workspace, name="Phone")
    contact = Contact.objects.create(
        workspace=workspace,
        contact_import=contact_import,
        customer_id="C-1",
        contact_date=datetime.date(2024, 5, 1),
        category=category,
        subcategory=subcategory,
        channel=channel,
    )
    return {
        "workspace": workspace,
        "contact_import": contact_import,
        "category": category,
        "subcategory": subcategory,
        "channel": channel,
        "contact": contact,
    }


def row(filed: dict[str, Any], **changes: Any) -> tuple:
    """A row of services.CONTACT_COLUMNS, as the import writes it."""
    values = {
        "workspace_id": filed["workspace"].pk,
        "contact_import_id": filed["contact_import"].pk,
        "customer_id": "C-2",
        "contact_date": datetime.date(2024, 5, 2),
        "category_id": filed["category"].pk,
        "subcategory_id": filed["subcategory"].pk,
        "channel_id": filed["channel"].pk,
        "channel_raw": "Phone",
        "gender": "",
        "age": None,
        "birth_date": None,
        "residence": "",
        "birthplace": "",
        "gender_raw": "",
        "age_band": "",
        "age_raw": "",
        **changes,
    }
    return tuple(values[name] for name in services.CONTACT_COLUMNS)


def refused(write: Callable[[], Any]) -> str:
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        write()
    return str(error.value)


COLUMNS = ["workspace_id", "contact_import_id", "category_id", "subcategory_id", "channel_id"]


@pytest.mark.parametrize("column", COLUMNS)
def test_the_import_cannot_write_a_contact_pointing_nowhere(filed: dict, column: str) -> None:
    refused(lambda: services.insert_contacts([row(filed), row(filed, **{column: MISSING})]))
    assert Contact.objects.count() == 1  # the whole statement is refused
    with transaction.atomic():
        services.insert_contacts([row(filed), row(filed, channel_id=None, category_id=None)])
    assert Contact.objects.count() == 3


@pytest.mark.parametrize("column", COLUMNS)
def test_a_contact_cannot_be_moved_to_nowhere(filed: dict, column: str) -> None:
    refused(lambda: Contact.objects.filter(pk=filed["contact"].pk).update(**{column: MISSING}))
    refused(lambda: Contact.objects.create(**{**contact_fields(filed), column: MISSING}))


def contact_fields(filed: dict[str, Any]) -> dict[str, Any]:
    return {
        "workspace_id": filed["workspace"].pk,
        "contact_import_id": filed["contact_import"].pk,
        "customer_id": "C-3",
        "contact_date": datetime.date(2024, 5, 3),
    }


@pytest.mark.parametrize(
    "key", ["workspace", "contact_import", "category", "subcategory", "channel"]
)
def test_what_contacts_point_at_cannot_be_deleted_behind_djangos_back(
    filed: dict, key: str
) -> None:
    target = filed[key]
    table = connection.ops.quote_name(type(target)._meta.db_table)

    def delete() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [target.pk])

    message = refused(delete)
    assert type(target).objects.filter(pk=target.pk).exists()
    if connection.vendor == "postgresql":  # the contacts' check, not another table's
        assert 'table "personas_contact" still references' in message


def test_djangos_own_deletes_still_go_through(filed: dict) -> None:
    filed["channel"].delete()  # SET_NULL
    filed["contact"].refresh_from_db()
    assert filed["contact"].channel_id is None
    services.contact_import_delete(contact_import=filed["contact_import"])
    assert not Contact.objects.exists()
    Contact.objects.create(**{**contact_fields(filed), "contact_import_id": None})
    filed["workspace"].delete()
    assert not Contact.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's checks")
def test_on_postgresql_contacts_are_checked_per_statement_not_per_row(transactional_db: None):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint "
            "WHERE conrelid = 'personas_contact'::regclass AND contype = 'f'"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'personas_contact'::regclass "
            "AND NOT tgisinternal AND tgtype & 1 = 0"  # statement-level
        )
        names = {name for (name,) in cursor.fetchall()}
    assert names == {"personas_contact_references_insert", "personas_contact_references_update"}
