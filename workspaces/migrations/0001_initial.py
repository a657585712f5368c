"""Workspace, Membership and Team move here from `workshops`, keeping their tables."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("workspace", "membership", "team")


def _relabel(apps, old: str, new: str) -> None:
    """Admin log entries and permissions follow the models to their new app."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def move_content_types(apps, schema_editor) -> None:
    _relabel(apps, "workshops", "workspaces")


def move_content_types_back(apps, schema_editor) -> None:
    _relabel(apps, "workspaces", "workshops")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('workshops', '0003_output_persona_link'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables stay where they are: only Django's idea of which app owns them moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Workspace',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120)),
                        ('client', models.CharField(blank=True, max_length=120)),
                        ('description', models.TextField(blank=True, max_length=5000)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'workshops_workspace',
                        'ordering': ['name', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Team',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120)),
                        ('members', models.ManyToManyField(blank=True, related_name='teams', to=settings.AUTH_USER_MODEL)),
                        ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='teams', to='workspaces.workspace')),
                    ],
                    options={
                        'db_table': 'workshops_team',
                        'ordering': ['name', 'id'],
                        'constraints': [models.UniqueConstraint(fields=('workspace', 'name'), name='team_name_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='Membership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('facilitator', 'Facilitator'), ('participant', 'Participant'), ('manager', 'Manager')], max_length=20)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                        ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='workspaces.workspace')),
                    ],
                    options={
                        'db_table': 'workshops_membership',
                        'constraints': [models.UniqueConstraint(fields=('workspace', 'user'), name='membership_once'), models.CheckConstraint(condition=models.Q(('role__in', ['facilitator', 'participant', 'manager'])), name='membership_role_valid')],
                    },
                ),
    
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
