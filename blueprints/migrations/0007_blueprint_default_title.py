from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# The name merges gave every global blueprint before an empty title meant "the default name".
OLD_DEFAULT = "Global blueprint"


def to_default(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Blueprint = apps.get_model("blueprints", "Blueprint")
    Blueprint.objects.filter(kind="global", title=OLD_DEFAULT).update(title="")


def from_default(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Blueprint = apps.get_model("blueprints", "Blueprint")
    Blueprint.objects.filter(title="").update(title=OLD_DEFAULT)


class Migration(migrations.Migration):
    dependencies = [("blueprints", "0006_event_guest_actor")]

    operations = [
        migrations.AlterField(
            model_name="blueprint",
            name="title",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.RunPython(to_default, from_default),
    ]
