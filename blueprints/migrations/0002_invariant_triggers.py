from django.db import migrations

from blueprints import invariants


class Migration(migrations.Migration):
    dependencies = [("blueprints", "0001_initial")]

    operations = [migrations.RunPython(invariants.install, migrations.RunPython.noop)]
