"""The background build of a book: one row per blueprint and language (book/builds.py)."""

from django.db import models

from blueprints.models import Blueprint


class BuildState(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BookBuild(models.Model):
    """The latest build of a blueprint's book in one language: for which key (the version
    stamps it was asked for), how far it got, and why it failed if it did."""

    blueprint = models.ForeignKey(Blueprint, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=10)
    key = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=BuildState.choices, default="queued")
    stage = models.CharField(max_length=20, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    reason = models.TextField(blank=True)  # why it failed, for people
    attempts = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)  # how long the last build took

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blueprint", "language"], name="book_build_unique")
        ]

    def __str__(self) -> str:
        return f"{self.blueprint_id}/{self.language}: {self.state}"
