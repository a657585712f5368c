"""Contacts lose their subcategory and channel indexes (issue 15, bench/bench_import.py).

Every imported row paid for them; only curation actions read contacts by subcategory or
channel (see Contact.Meta), each one scan. The one read that needed them per deleted row is
PostgreSQL's guard of 0007: on a delete of reasons or channels it looked, for each removed
row, for a contact pointing at it (`EXISTS ... c.category_id = g.id OR c.subcategory_id =
g.id`), which without these indexes is one scan of the contacts per removed row. The guards
are rewritten set-based: per column, one semi-join of the contacts with the removed rows
(an index's look-ups where there is one, otherwise one scan per statement). Same rule, same
refusal. Reversing restores the indexes and 0007's guards.
"""

import importlib

from django.db import migrations, models

previous = importlib.import_module("personas.migrations.0007_contact_write_cost")


def guards(apps, schema_editor, set_based: bool):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    table = apps.get_model("personas", "Contact")._meta.db_table
    by_target: dict[str, list[str]] = {}
    for column, target in previous.tables(apps).items():
        by_target.setdefault(target, []).append(column)
    for target, columns in by_target.items():
        for event, gone in (
            ("DELETE", "SELECT o.id FROM old_rows o"),
            ("UPDATE", "SELECT o.id FROM old_rows o EXCEPT SELECT n.id FROM new_rows n"),
        ):
            function = f"{previous.GUARD}_{target}_{event.lower()}"
            refused = previous.violation(
                f'{event.lower()} on table "{target}" violates foreign key: '
                f'table "{table}" still references id %s',
                "held",
            )
            if set_based:
                body = "".join(
                    f"""
  SELECT c.{column} INTO held FROM {quote(table)} c WHERE c.{column} IN ({gone}) LIMIT 1;
  IF FOUND THEN
    {refused}
  END IF;"""
                    for column in columns
                )
            else:  # 0007's, as it was
                pointing = " OR ".join(f"c.{column} = g.id" for column in columns)
                body = f"""
  WITH gone AS ({gone})
  SELECT g.id INTO held FROM gone g
    WHERE EXISTS (SELECT 1 FROM {quote(table)} c WHERE {pointing})
    LIMIT 1;
  IF FOUND THEN
    {refused}
  END IF;"""
            schema_editor.execute(
                f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  held bigint;
BEGIN{body}
  RETURN NULL;
END
$$""",
                params=None,  # the bodies' %s are format()'s, not parameters
            )


def forwards(apps, schema_editor):
    guards(apps, schema_editor, set_based=True)


def backwards(apps, schema_editor):
    guards(apps, schema_editor, set_based=False)


class Migration(migrations.Migration):
    dependencies = [
        ("personas", "0007_contact_write_cost"),
    ]

    operations = [
        migrations.AlterField(
            model_name="contact",
            name="subcategory",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=models.deletion.RESTRICT,
                related_name="+",
                to="personas.contactreason",
            ),
        ),
        migrations.AlterField(
            model_name="contact",
            name="channel",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="+",
                to="blueprints.channel",
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
