"""Output.persona_id, a plain number until personas existed, becomes a link to the persona.

Ids that point at no persona (deleted, or never there) are dropped first, so that the
database's foreign key holds for every row that stays.
"""

import django.db.models.deletion
from django.db import migrations, models


def drop_dangling_persona_ids(apps, schema_editor):  # type: ignore[no-untyped-def]
    Output = apps.get_model("workshops", "Output")
    Persona = apps.get_model("personas", "Persona")
    known = Persona.objects.values("pk")
    Output.objects.filter(persona_id__isnull=False).exclude(persona_id__in=known).update(
        persona_id=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("personas", "0002_segmentation_personas"),
        ("workshops", "0002_workshops"),
    ]

    operations = [
        migrations.RunPython(drop_dangling_persona_ids, migrations.RunPython.noop),
        # Renamed, then turned into a foreign key: the column (persona_id) and its values stay.
        migrations.RenameField(model_name="output", old_name="persona_id", new_name="persona"),
        migrations.AlterField(
            model_name="output",
            name="persona",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="workshop_outputs",
                to="personas.persona",
            ),
        ),
    ]
