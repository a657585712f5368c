import datetime
import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from workspaces.models import VisibleQuerySet, Workspace

# --- Workshops: an agenda of activities, groups, participants, notes, votes and outputs. ---

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a room
JOIN_CODE_LENGTH = 10  # 32**10 ≈ 10**15 codes: not guessable, still typeable on a phone
NOTE_TEXT_MAX = 500
DURATION_MAX = 8 * 60  # minutes


class ActivityKind(models.TextChoices):
    BLUEPRINT_MAPPING = "blueprint_mapping", _("Blueprint mapping")
    BRAINSTORM = "brainstorm", _("Brainstorm")
    CATEGORISATION = "categorisation", _("Categorisation")
    DOT_VOTING = "dot_voting", _("Dot voting")
    DISCUSSION = "discussion", _("Discussion")
    PERSONA_REVIEW = "persona_review", _("Persona review")


class NoteKind(models.TextChoices):
    INSIGHT = "insight", _("Insight")
    IDEA = "idea", _("Idea")
    QUESTION = "question", _("Question")
    PAIN_POINT = "pain_point", _("Pain point")


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class Workshop(models.Model):
    """A live session in a workspace: plan (agenda), people, and the state of the room.

    The timer is stored as an end time while it runs and as the seconds left while paused, so
    every client computes the same countdown from the server's clock.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="workshops")
    title = models.CharField(max_length=200)
    goal = models.TextField(max_length=5000, blank=True)
    date = models.DateField(null=True, blank=True)
    start_time = models.TimeField(default=datetime.time(9, 0))
    join_code = models.CharField(max_length=16, unique=True, default=new_join_code, editable=False)
    join_open = models.BooleanField(default=True)
    vote_budget = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    current_activity = models.ForeignKey(
        "Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    timer_ends_at = models.DateTimeField(null=True, blank=True)
    timer_remaining = models.PositiveIntegerField(null=True, blank=True)  # seconds, when paused
    locked = models.BooleanField(default=False)
    private_writing = models.BooleanField(default=False)
    # The voting round open now; None: voting as before any round, or between rounds.
    voting_round = models.ForeignKey(
        "VotingRound", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "title", "id"]

    def __str__(self) -> str:
        return self.title


class Activity(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="activities")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=ActivityKind.choices)
    duration = models.PositiveSmallIntegerField(
        help_text=_("Minutes."), validators=[MinValueValidator(1), MaxValueValidator(DURATION_MAX)]
    )
    instructions = models.TextField(max_length=5000, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["workshop", "position", "id"]
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ActivityKind.values), name="activity_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(duration__gte=1, duration__lte=DURATION_MAX),
                name="activity_duration_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Group(models.Model):
    """A breakout group, working on a team blueprint (the live editor) or on a notes board."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=120)
    blueprint = models.ForeignKey(
        "blueprints.Blueprint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshop_groups",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["workshop", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "name"], name="group_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Participant(models.Model):
    """Someone in a workshop: a member's account, or a guest who joined with a name only."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="workshop_participations",
    )
    name = models.CharField(max_length=80)
    group = models.ForeignKey(
        Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="participants"
    )
    votes_used = models.PositiveIntegerField(default=0)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workshop", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "user"],
                condition=models.Q(user__isnull=False),
                name="participant_user_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_guest(self) -> bool:
        return self.user_id is None


class Cluster(models.Model):
    """A named affinity group of notes."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="clusters")
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, blank=True, related_name="clusters"
    )
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["workshop", "position", "id"]

    def __str__(self) -> str:
        return self.name

    def participant_may(self, user: Any, action: str) -> bool:
        """workspaces.access: a participant of the workspace may start a cluster."""
        return not self.workshop.locked and action == "create"


class Note(models.Model):
    """A sticky note. `hidden` while written in private, until the facilitator reveals."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="notes")
    group = models.ForeignKey(
        Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="notes"
    )
    author = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="notes"
    )
    kind = models.CharField(max_length=20, choices=NoteKind.choices, default=NoteKind.IDEA)
    text = models.CharField(max_length=NOTE_TEXT_MAX)
    cluster = models.ForeignKey(
        Cluster, on_delete=models.SET_NULL, null=True, blank=True, related_name="notes"
    )
    category = models.ForeignKey(
        "personas.ContactReason",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshop_notes",
    )
    hidden = models.BooleanField(default=False)
    votes = models.PositiveIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    # The key the writer's page sent it with: a retry of the same write finds this note again.
    client_key = models.CharField(max_length=64, blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workshop", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=NoteKind.values), name="note_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["workshop", "client_key"],
                condition=~models.Q(client_key=""),
                name="note_client_key_once",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    def participant_may(self, user: Any, action: str) -> bool:
        """workspaces.access: a participant of the workspace adds notes and changes their own."""
        if self.workshop.locked:
            return False
        if action == "create":
            return True
        return self.author is not None and self.author.user_id == user.pk


class VotingRound(models.Model):
    """One round of dot voting: the facilitator opens it with a budget per person (and maybe
    only some notes or clusters up for the vote), then closes it; its results are kept."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200, blank=True)
    budget = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    # Nothing chosen: every note of the boards is up for the vote.
    notes = models.ManyToManyField(Note, blank=True, related_name="rounds")
    clusters = models.ManyToManyField(Cluster, blank=True, related_name="rounds")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Written when the round closes: what it decided, whatever happens to the notes later.
    results = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["workshop", "number"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "number"], name="round_number_unique"),
            models.CheckConstraint(
                condition=models.Q(budget__gte=1, budget__lte=100), name="round_budget_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"#{self.number}"


class Vote(models.Model):
    """One dot. A person may put several of their dots on the same note."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="votes")
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="dots")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="dots")
    # The round it was cast in; None: cast before the workshop had rounds.
    round = models.ForeignKey(
        VotingRound, on_delete=models.CASCADE, null=True, blank=True, related_name="dots"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.participant_id} → {self.note_id}"

    def participant_may(self, user: Any, action: str) -> bool:
        """workspaces.access: a participant of the workspace casts and takes back their own."""
        return not self.workshop.locked and self.participant.user_id == user.pk


class VoteKey(models.Model):
    """The key a vote (cast or taken back) was sent with: the same key again is the same
    write retried after a lost answer, and does not move a second dot."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="vote_keys")
    key = models.CharField(max_length=64)
    # The dot a cast made (its id stays if the dot is taken back later); None for a retract.
    dot = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "key"], name="vote_key_once"),
        ]

    def __str__(self) -> str:
        return self.key


class Output(models.Model):
    """A promoted note or cluster, attached to a step, a persona or a contact-reason category."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="outputs")
    title = models.CharField(max_length=200)
    detail = models.TextField(max_length=5000, blank=True)
    note = models.ForeignKey(
        Note, on_delete=models.SET_NULL, null=True, blank=True, related_name="outputs"
    )
    cluster = models.ForeignKey(
        Cluster, on_delete=models.SET_NULL, null=True, blank=True, related_name="outputs"
    )
    step = models.ForeignKey(
        "blueprints.Step",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshop_outputs",
    )
    category = models.ForeignKey(
        "personas.ContactReason",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshop_outputs",
    )
    persona = models.ForeignKey(
        "personas.Persona",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshop_outputs",
    )
    votes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workshop", "-votes", "id"]

    def __str__(self) -> str:
        return self.title


class WorkshopSequence(models.Model):
    """The last event number of a workshop (see blueprints.BlueprintSequence for why apart)."""

    workshop = models.OneToOneField(
        Workshop, on_delete=models.CASCADE, primary_key=True, related_name="sequence"
    )
    seq = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.workshop_id}: {self.seq}"


class WorkshopEvent(models.Model):
    """One change in a workshop, as every client of the workshop may see it."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=40)  # e.g. "note.created", "timer.started"
    object_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(null=True, blank=True)
    actor = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workshop", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "seq"], name="workshop_event_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.workshop_id}#{self.seq} {self.kind}"
