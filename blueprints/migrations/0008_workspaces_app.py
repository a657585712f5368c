"""Foreign keys now name workspaces.Workspace and workspaces.Team (same tables)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('blueprints', '0007_blueprint_default_title'),
        ('workspaces', '0001_initial'),
    ]

    operations = [
        # The tables stay where they are: only Django's idea of which app owns them moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='actor',
                    name='workspace',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='actors', to='workspaces.workspace'),
                ),
                migrations.AlterField(
                    model_name='blueprint',
                    name='team',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='blueprints', to='workspaces.team'),
                ),
                migrations.AlterField(
                    model_name='blueprint',
                    name='workspace',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='blueprints', to='workspaces.workspace'),
                ),
                migrations.AlterField(
                    model_name='channel',
                    name='workspace',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='channels', to='workspaces.workspace'),
                ),
                migrations.AlterField(
                    model_name='mergedecision',
                    name='workspace',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='merge_decisions', to='workspaces.workspace'),
                ),
                migrations.AlterField(
                    model_name='mergerun',
                    name='workspace',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='merge_runs', to='workspaces.workspace'),
                ),
                migrations.AlterField(
                    model_name='phasemapping',
                    name='workspace',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='phase_mappings', to='workspaces.workspace'),
                ),
    
            ],
            database_operations=[],
        ),
    ]
