"""Foreign keys now name workspaces.Workspace (same table)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('personas', '0003_segmentation_language'),
        ('workspaces', '0001_initial'),
    ]

    operations = [
        # The tables stay where they are: only Django's idea of which app owns them moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='contact',
                    name='workspace',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='contacts', to='workspaces.workspace'),
                ),
                migrations.AlterField(
                    model_name='contactimport',
                    name='workspace',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contact_imports', to='workspaces.workspace'),
                ),
                migrations.AlterField(
                    model_name='contactreason',
                    name='workspace',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contact_reasons', to='workspaces.workspace'),
                ),
                migrations.AlterField(
                    model_name='persona',
                    name='workspace',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='personas', to='workspaces.workspace'),
                ),
                migrations.AlterField(
                    model_name='segmentation',
                    name='workspace',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='segmentations', to='workspaces.workspace'),
                ),
                migrations.AlterField(
                    model_name='serviceprotocol',
                    name='workspace',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='service_protocols', to='workspaces.workspace'),
                ),
    
            ],
            database_operations=[],
        ),
    ]
