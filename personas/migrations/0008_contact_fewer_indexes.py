"""Contacts lose their subcategory and channel indexes (issue 15, bench/bench_import.py).

Every imported row paid for them; only curation actions read contacts by subcategory or
channel (see Contact.Meta), each one scan. PostgreSQL's delete guards of 0007 are rewritten
too: on a delete of reasons or channels they looked for a contact pointing at any removed
row (`EXISTS ... c.category_id = g.id OR c.subcategory_id = g.id`), which PostgreSQL plans
as a nested loop comparing every removed row with every contact (30 reasons, 1M contacts:
6 s, the category index notwithstanding). Now the removed ids are gathered into an array,
then per column one query `= ANY(ids)` planned with them as a constant: an index's look-ups
where there is one (< 1 ms), otherwise one scan (0.14 s). Same rule, same refusal.
Reversing restores the indexes and 0007's guards.
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
                # EXECUTE: planned with the removed ids as a constant (a hashed = ANY on a
                # scan, or an index's look-ups), never a nested loop over the contacts.
                body = f"""
  SELECT array_agg(g.id) INTO gone_ids FROM ({gone}) g;
  IF gone_ids IS NULL THEN
    RETURN NULL;
  END IF;""" + "".join(
                    f"""
  held := NULL;
  EXECUTE 'SELECT c.{column} FROM {quote(table)} c WHERE c.{column} = ANY($1) LIMIT 1'
    INTO held USING gone_ids;
  IF held IS NOT NULL THEN
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
  gone_ids bigint[];
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
