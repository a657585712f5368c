"""The floors hold (README, "Layout"), and the move of workspaces to their own app lost nothing.

The contracts live in pyproject.toml ([tool.importlinter]); `lint-imports` checks them here, so
CI fails on an import that reaches up a floor or closes a cycle inside an app.
"""

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from blueprints.models import Blueprint, Step
from personas.models import ContactReason
from workshops.models import Workshop
from workspaces.models import Membership, Team, Workspace

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_floors_and_the_apps_have_no_upward_import_and_no_cycle() -> None:
    answer = lint_imports()
    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert "BROKEN" not in answer.stdout


def test_an_import_reaching_up_a_floor_breaks_the_contract(tmp_path: Path) -> None:
    """The contracts can fail: in a copy of the project, workspaces importing blueprints does."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    for name in settings["root_packages"]:
        subprocess.run(["cp", "-r", str(ROOT / name), str(tmp_path / name)], check=True)
    subprocess.run(["cp", str(ROOT / "pyproject.toml"), str(tmp_path)], check=True)
    (tmp_path / "workspaces" / "reaching_up.py").write_text(
        textwrap.dedent(
            """
            from blueprints.models import Blueprint  # a floor below importing one above

            BLUEPRINT = Blueprint
            """
        )
    )
    answer = lint_imports(cwd=tmp_path)
    assert answer.returncode != 0
    assert "workspaces.reaching_up -> blueprints.models" in answer.stdout


BEFORE_THE_MOVE = [
    ("workspaces", None),
    ("workshops", "0003_output_persona_link"),
    ("blueprints", "0007_blueprint_default_title"),
    ("personas", "0003_segmentation_language"),
]


@pytest.mark.django_db(transaction=True)
def test_the_move_to_workspaces_runs_forward_on_a_populated_database() -> None:
    """The demo, as it was written before the move, survives it: same rows, same ids."""
    call_command("seed_demo", verbosity=0)
    before = {
        "workspaces": list(Workspace.objects.values_list("pk", "name")),
        "memberships": Membership.objects.count(),
        "teams": list(Team.objects.values_list("pk", "name")),
        "team members": Team.members.through.objects.count(),
        "blueprints": list(Blueprint.objects.values_list("pk", "workspace_id", "team_id")),
        "steps": Step.objects.count(),
        "contact reasons": ContactReason.objects.count(),
        "workshops": list(Workshop.objects.values_list("pk", "workspace_id")),
    }
    assert before["memberships"] and before["team members"] and before["contact reasons"]

    executor = MigrationExecutor(connection)
    executor.migrate(
        [(app, name) for app, name in BEFORE_THE_MOVE if name] + [("workspaces", None)]
    )
    old_state = MigrationExecutor(connection).loader.project_state(
        [(app, name) for app, name in BEFORE_THE_MOVE if name]
    )
    old_workspace = old_state.apps.get_model("workshops", "Workspace")
    assert old_workspace.objects.count() == len(before["workspaces"])  # still there, in workshops
    ContentType.objects.filter(app_label="workspaces").update(app_label="workshops")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    after = {
        "workspaces": list(Workspace.objects.values_list("pk", "name")),
        "memberships": Membership.objects.count(),
        "teams": list(Team.objects.values_list("pk", "name")),
        "team members": Team.members.through.objects.count(),
        "blueprints": list(Blueprint.objects.values_list("pk", "workspace_id", "team_id")),
        "steps": Step.objects.count(),
        "contact reasons": ContactReason.objects.count(),
        "workshops": list(Workshop.objects.values_list("pk", "workspace_id")),
    }
    assert after == before
    labels = set(
        ContentType.objects.filter(model__in=["workspace", "team", "membership"]).values_list(
            "app_label", flat=True
        )
    )
    assert labels == {"workspaces"}  # admin history and permissions followed the models
