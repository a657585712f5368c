"""What an imported contact row costs to write (issue 15, bench/bench_import.py).

1. Two indexes no query uses go (see Contact.Meta).
2. On PostgreSQL, the contact's five foreign keys are checked once per statement instead of
   once per row. A foreign key constraint runs its check trigger for every row: a million
   rows of an import made five million look-ups of the same few dozen rows (its workspace,
   its import, its reasons, its channels) — two thirds of writing a batch with COPY (200,000
   rows: 0.8 s into a plain table, 5 s with the indexes, 17 s with the five foreign keys).
   The constraints are replaced by statement-level triggers with transition tables that
   enforce the same rule, set-based:

   - after an INSERT or UPDATE of contacts, the distinct rows referenced by the statement's
     new rows are locked (FOR KEY SHARE, as a foreign key's check locks them, so that they
     cannot be deleted before the transaction ends) and any value without its row is refused
     with SQLSTATE 23503 (foreign_key_violation: Django's IntegrityError);
   - after a DELETE (or an UPDATE of the id) of a workspace, an import, a reason or a
     channel, any contact still pointing at a removed row is refused the same way (a
     foreign key's NO ACTION). Django's deletes remove or update the contacts first, as
     they did (the on_delete rules are Django's, not the database's, either way).

   The checks run at the end of each statement, not deferred to the commit as Django's
   constraints were: a contact is written after what it points at, which every writer of
   contacts does. TRUNCATE of a referenced table alone is not guarded (nothing truncates).
   SQLite keeps its foreign keys: its checks are look-ups inside the engine, a few percent
   of an insert.

   A later migration that alters one of these five fields on PostgreSQL finds no foreign key
   constraint to drop and adds none back (Django's schema editor is not strict about it);
   the triggers stay and still check. Reversing this migration puts the constraints back.
"""

from django.db import migrations

# Contact's column → the table it points at (by model, resolved in the migration's state).
REFERENCES = {
    "workspace_id": ("workspaces", "Workspace"),
    "contact_import_id": ("personas", "ContactImport"),
    "category_id": ("personas", "ContactReason"),
    "subcategory_id": ("personas", "ContactReason"),
    "channel_id": ("blueprints", "Channel"),
}
FIELDS = {
    "workspace_id": "workspace",
    "contact_import_id": "contact_import",
    "category_id": "category",
    "subcategory_id": "subcategory",
    "channel_id": "channel",
}
CHECK = "personas_contact_references"
GUARD = "personas_contact_referenced"


def tables(apps):
    return {
        column: apps.get_model(app, model)._meta.db_table
        for column, (app, model) in REFERENCES.items()
    }


def violation(message: str, *values: str) -> str:
    arguments = "".join(f", {value}" for value in values)
    return (
        "RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', "
        f"MESSAGE = format('{message}'{arguments});"
    )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    contact = apps.get_model("personas", "Contact")
    table = contact._meta.db_table
    targets = tables(apps)
    for column in REFERENCES:
        for name in schema_editor._constraint_names(contact, [column], foreign_key=True):
            schema_editor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    # One pass over the statement's rows gathers the distinct values of the five columns
    # (a few dozen: one workspace, one import, its reasons and channels); each is then
    # locked and checked once.
    columns = list(targets)
    checks = []
    for column, target in targets.items():
        refused = violation(
            f'insert or update on table "{table}" violates foreign key: '
            f'{column} = %s is not present in table "{target}"',
            "missing",
        )
        checks.append(
            f"""
  PERFORM 1 FROM {quote(target)} t WHERE t.id = ANY(v_{column}) FOR KEY SHARE OF t;
  SELECT v INTO missing FROM unnest(v_{column}) v
    WHERE v IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {quote(target)} t WHERE t.id = v)
    LIMIT 1;
  IF FOUND THEN
    {refused}
  END IF;"""
        )
    declared = "".join(f"\n  v_{column} bigint[];" for column in columns)
    gathered = ", ".join(f"array_agg(DISTINCT d.{column})" for column in columns)
    into = ", ".join(f"v_{column}" for column in columns)
    schema_editor.execute(
        f"""
CREATE FUNCTION {CHECK}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing bigint;{declared}
BEGIN
  SELECT {gathered} INTO {into}
    FROM (SELECT DISTINCT {", ".join(columns)} FROM new_rows) d;{"".join(checks)}
  RETURN NULL;
END
$$""",
        params=None,  # the bodies' %s are format()'s, not parameters
    )
    for event in ("INSERT", "UPDATE"):
        schema_editor.execute(
            f"CREATE TRIGGER {CHECK}_{event.lower()} AFTER {event} ON {quote(table)} "
            f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {CHECK}()"
        )
    by_target: dict[str, list[str]] = {}
    for column, target in targets.items():
        by_target.setdefault(target, []).append(column)
    for target, columns in by_target.items():
        pointing = " OR ".join(f"c.{column} = g.id" for column in columns)
        for event, gone, transition in (
            ("DELETE", "SELECT o.id FROM old_rows o", "OLD TABLE AS old_rows"),
            (
                "UPDATE",
                "SELECT o.id FROM old_rows o EXCEPT SELECT n.id FROM new_rows n",
                "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            ),
        ):
            function = f"{GUARD}_{target}_{event.lower()}"
            refused = violation(
                f'{event.lower()} on table "{target}" violates foreign key: '
                f'table "{table}" still references id %s',
                "held",
            )
            schema_editor.execute(
                f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  held bigint;
BEGIN
  WITH gone AS ({gone})
  SELECT g.id INTO held FROM gone g
    WHERE EXISTS (SELECT 1 FROM {quote(table)} c WHERE {pointing})
    LIMIT 1;
  IF FOUND THEN
    {refused}
  END IF;
  RETURN NULL;
END
$$""",
                params=None,
            )
            schema_editor.execute(
                f"CREATE TRIGGER {function} AFTER {event} ON {quote(target)} "
                f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    contact = apps.get_model("personas", "Contact")
    table = contact._meta.db_table
    targets = tables(apps)
    for event in ("insert", "update"):
        schema_editor.execute(f"DROP TRIGGER {CHECK}_{event} ON {quote(table)}")
    schema_editor.execute(f"DROP FUNCTION {CHECK}()")
    for target in dict.fromkeys(targets.values()):
        for event in ("delete", "update"):
            schema_editor.execute(f"DROP TRIGGER {GUARD}_{target}_{event} ON {quote(target)}")
            schema_editor.execute(f"DROP FUNCTION {GUARD}_{target}_{event}()")
    for field in FIELDS.values():
        schema_editor.execute(
            schema_editor._create_fk_sql(
                contact, contact._meta.get_field(field), "_fk_%(to_table)s_%(to_column)s"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("personas", "0006_contact_reasons_restrict"),
        ("workspaces", "0001_initial"),
        ("blueprints", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="contact", name="contact_customer_idx"),
        migrations.RemoveIndex(model_name="contact", name="contact_reason_idx"),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
