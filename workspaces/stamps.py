"""A workspace's content stamp: one number that changes whenever something its books show
changes outside a blueprint's own events.

A blueprint's content is numbered by its events (`seq`, blueprints.events); what a book shows
besides (actor and channel names, teams, personas and their protocols, workshop outputs, the
innovation chapter of a global blueprint, review dismissals, merge runs) lives in other
tables, several apps up. Each app names the models of its own that books read (`watch`, in
its AppConfig.ready: the hook respects the floors, workspaces being below them all); every
save, delete and many-to-many change of one bumps the stamp of its workspace, in the writing
transaction, and `content_changed` is sent once it commits. Writes that skip model signals
(`QuerySet.update`, `bulk_create`) call `bump` themselves.

Reading the stamp is one lookup by primary key (`current`), so a cached book's key costs two
tiny queries instead of rebuilding the book's context.
"""

import threading
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from workspaces.models import ContentStamp, Workspace

# Sent after the commit of a transaction that bumped a stamp: `workspace_id`.
content_changed = Signal()

_PATHS: dict[type[models.Model], str] = {}


def current(workspace_id: int) -> int:
    """The workspace's stamp now (0 before its first change)."""
    found = ContentStamp.objects.filter(workspace_id=workspace_id).values_list("seq").first()
    if found is None:
        ContentStamp.objects.bulk_create(
            [ContentStamp(workspace_id=workspace_id)], ignore_conflicts=True
        )
        return 0
    return found[0]


def bump(workspace_id: int | None) -> None:
    """Count one change of what the workspace's books show (inside the writing transaction;
    `content_changed` once per workspace and transaction, after it commits). A workspace
    being deleted has no stamp row left to bump, and needs none."""
    if workspace_id is None:
        return
    changed = ContentStamp.objects.filter(workspace_id=workspace_id).update(seq=models.F("seq") + 1)
    if not changed:
        return
    connection = transaction.get_connection()
    outermost = id(connection.atomic_blocks[0]) if connection.atomic_blocks else None
    if outermost is not None:
        if getattr(_bumped, "owner", None) != outermost:
            _bumped.owner, _bumped.ids = outermost, set()
        if workspace_id in _bumped.ids:
            return
        _bumped.ids.add(workspace_id)

    def send() -> None:
        _bumped.owner = None
        content_changed.send(sender=ContentStamp, workspace_id=workspace_id)

    transaction.on_commit(send, robust=True)


# The workspaces bumped in this thread's current transaction (forgotten with it).
_bumped = threading.local()


def workspace_of(instance: models.Model) -> int | None:
    """The workspace an instance of a watched model belongs to; None when it cannot be told
    (a parent already deleted with it: that delete bumps the stamp itself)."""
    path = _PATHS.get(type(instance), "workspace_id")
    value: Any = instance
    try:
        for name in path.split("."):
            value = getattr(value, name)
    except (ObjectDoesNotExist, AttributeError):
        return None
    return value if isinstance(value, int) else None


def _saved(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not kwargs.get("raw"):  # fixtures loaded by loaddata
        bump(workspace_of(instance))


def _m2m(sender: Any, instance: models.Model, action: str, **kwargs: Any) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        bump(workspace_of(instance))


def locate(model: type[models.Model], path: str) -> None:
    """How an instance of `model` reaches its workspace id: the attributes `path`
    ("workspace_id", "workshop.workspace_id" …)."""
    _PATHS[model] = path


def watch(model: type[models.Model], path: str = "workspace_id") -> None:
    """Bump the stamp on every save or delete of `model` (its workspace found by `path`)."""
    locate(model, path)
    uid = f"content-stamp-{model._meta.label}"
    post_save.connect(_saved, sender=model, dispatch_uid=uid, weak=False)
    post_delete.connect(_saved, sender=model, dispatch_uid=uid, weak=False)


def watch_m2m(field: Any) -> None:
    """Bump on every change of a many-to-many field (`Model.field`), from either side: both
    models must be watched (or reach their workspace by `workspace_id`)."""
    uid = f"content-stamp-m2m-{field.through._meta.label}"
    m2m_changed.connect(_m2m, sender=field.through, dispatch_uid=uid, weak=False)


def _workspace_created(sender: Any, instance: Workspace, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        ContentStamp.objects.bulk_create(
            [ContentStamp(workspace_id=instance.pk)], ignore_conflicts=True
        )


def connect() -> None:
    """Workspaces' own: its name, client and teams are in every book."""
    post_save.connect(_workspace_created, sender=Workspace, dispatch_uid="content-stamp-new")
    watch(Workspace, "pk")
    from workspaces.models import Team

    watch(Team)
