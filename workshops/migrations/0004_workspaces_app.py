"""Workspace, Membership and Team left for the `workspaces` app (their tables stay)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('blueprints', '0008_workspaces_app'),
        ('personas', '0004_workspaces_app'),
        ('workshops', '0003_output_persona_link'),
        ('workspaces', '0001_initial'),
    ]

    operations = [
        # The tables stay where they are: only Django's idea of which app owns them moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(
                    model_name='membership',
                    name='membership_once',
                ),
                migrations.RemoveConstraint(
                    model_name='membership',
                    name='membership_role_valid',
                ),
                migrations.RemoveConstraint(
                    model_name='team',
                    name='team_name_unique',
                ),
                migrations.AlterField(
                    model_name='workshop',
                    name='workspace',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='workshops', to='workspaces.workspace'),
                ),
                migrations.RemoveField(
                    model_name='team',
                    name='members',
                ),
                migrations.RemoveField(
                    model_name='team',
                    name='workspace',
                ),
                migrations.DeleteModel(
                    name='Membership',
                ),
                migrations.DeleteModel(
                    name='Team',
                ),
                migrations.DeleteModel(
                    name='Workspace',
                ),
    
            ],
            database_operations=[],
        ),
    ]
