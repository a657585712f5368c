from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from workspaces.models import Team, VisibleQuerySet, Workspace

TITLE_MAX = 200
NAME_MAX = 120
TEXT_MAX = 5000
MERGE_KEY_MAX = 200
REASON_MAX = 1000


class Band(models.TextChoices):
    """Rows of a blueprint, in canonical order top to bottom."""

    EVIDENCE = "evidence", _("Physical evidence")
    CUSTOMER = "customer", _("Customer actions")
    FRONTSTAGE = "frontstage", pgettext_lazy("band", "Frontstage")  # not the product's name
    BACKSTAGE = "backstage", _("Backstage")
    SUPPORT = "support", _("Support processes")


BAND_ORDER = {band: index for index, band in enumerate(Band.values)}

# The three lines are derived from adjacent bands, never drawn by hand.
LINES = [
    ("customer", "frontstage", _("Line of interaction")),
    ("frontstage", "backstage", _("Line of visibility")),
    ("backstage", "support", _("Line of internal interaction")),
]


class ChannelKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    WEB_FORM = "web_form", _("Web form")
    CHAT = "chat", _("Chat")
    SOCIAL = "social", _("Social media")
    STORE = "store", _("Store")
    OTHER = "other", _("Other")


class StepKind(models.TextChoices):
    ACTION = "action", _("Action")
    TOUCHPOINT = "touchpoint", _("Touchpoint")
    PAIN_POINT = "pain_point", _("Pain point")
    OPPORTUNITY = "opportunity", _("Opportunity")
    DATA = "data", _("Data")
    NOTE = "note", _("Note")


# The sign beside each kind's name on a card (the page and its script both draw cards).
KIND_ICONS = {
    "action": "▸",
    "touchpoint": "◉",
    "pain_point": "⚠",
    "opportunity": "★",
    "data": "⛁",
    "note": "✎",
}


class Evidence(models.TextChoices):
    OBSERVED = "observed", _("Observed")
    ASSUMED = "assumed", _("Assumed")
    PROPOSED = "proposed", _("Proposed")


class DataStage(models.TextChoices):
    """Where a step sits in the life of the consumer data it touches."""

    NONE = "", "—"
    PLANNED = "planned", _("Planned")
    COLLECTED = "collected", _("Collected")
    RECORDED = "recorded", _("Recorded")
    SYNTHESISED = "synthesised", _("Synthesised")
    COMMUNICATED = "communicated", _("Communicated")


class LinkKind(models.TextChoices):
    HANDOFF = "handoff", _("Handoff")
    INFORMATION = "information", _("Information")
    TRIGGER = "trigger", _("Trigger")
    DEPENDENCY = "dependency", _("Dependency")


def default_link_kind(source_band: str, target_band: str) -> str:
    """The kind the editor offers first for a new link between cards of these bands (what the
    demo's teams drew most): a customer's action sets things going, answers flow back up,
    the backstage sets its support processes going, and the rest is handed over."""
    if source_band == Band.CUSTOMER:
        return LinkKind.TRIGGER
    if source_band == Band.EVIDENCE or BAND_ORDER[target_band] < BAND_ORDER[source_band]:
        return LinkKind.INFORMATION
    if target_band == Band.SUPPORT and source_band != Band.SUPPORT:
        return LinkKind.TRIGGER
    return LinkKind.HANDOFF


class BlueprintKind(models.TextChoices):
    TEAM = "team", _("Team blueprint")
    GLOBAL = "global", _("Global blueprint")


def merge_key_field() -> models.CharField:
    """On a global blueprint: the merge's stable key for a row it made; empty for hand-made."""
    return models.CharField(max_length=MERGE_KEY_MAX, blank=True, default="", editable=False)


def merge_snapshot_field() -> models.JSONField:
    """The values the merge last wrote to the row, so edits made by hand can be told apart."""
    return models.JSONField(default=dict, blank=True, editable=False)


def merge_key_unique(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["blueprint", "merge_key"], condition=~Q(merge_key=""), name=name
    )


class Actor(models.Model):
    """A role shared by every blueprint of a workspace, so that merging can recognise it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="actors")
    name = models.CharField(max_length=NAME_MAX)
    description = models.TextField(max_length=TEXT_MAX, blank=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="actor_name_unique"),
        ]

    # workspaces.access: a guest's step picks its actor from the workspace's.
    guest_reads_workspace = True

    def __str__(self) -> str:
        return self.name

    def participant_may(self, user: Any, action: str) -> bool:
        """workspaces.access: participants add the roles they map."""
        return action == "create"


class Channel(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(max_length=NAME_MAX)
    kind = models.CharField(max_length=20, choices=ChannelKind.choices, default=ChannelKind.OTHER)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="channel_name_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=ChannelKind.values), name="channel_kind_valid"
            ),
        ]

    guest_reads_workspace = True  # see Actor

    def __str__(self) -> str:
        return self.name


class Blueprint(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="blueprints")
    # Empty: the default name of its kind ("Global blueprint"), shown in the reader's language;
    # a name someone typed is shown as typed. Show `display_title`, never `title`.
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    description = models.TextField(max_length=TEXT_MAX, blank=True)
    kind = models.CharField(max_length=10, choices=BlueprintKind.choices, default="team")
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="blueprints"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="team") & Q(team__isnull=False))
                | (Q(kind="global") & Q(team__isnull=True)),
                name="blueprint_team_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["workspace"], condition=Q(kind="global"), name="one_global_blueprint"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="blueprint_version_positive"),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def access_blueprint(self) -> "Blueprint":
        """workspaces.access: a blueprint is the blueprint its rights are read from."""
        return self

    @property
    def display_title(self) -> str:
        """The name to show, in the active language when it is the default one."""
        return self.title_in()

    def title_in(self, language: str | None = None) -> str:
        if self.title:
            return self.title
        label = BlueprintKind(self.kind).label if self.kind in BlueprintKind.values else ""
        if language is None:
            return str(label)
        with translation.override(language):
            return str(label)


class Phase(models.Model):
    """A column of the journey."""

    blueprint = models.ForeignKey(Blueprint, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(max_length=NAME_MAX)
    position = models.IntegerField()
    merge_key = merge_key_field()
    merge_snapshot = merge_snapshot_field()

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["blueprint", "position"], name="phase_position_unique"),
            merge_key_unique("phase_merge_key_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Lane(models.Model):
    """A row of the blueprint, inside one band."""

    blueprint = models.ForeignKey(Blueprint, on_delete=models.CASCADE, related_name="lanes")
    name = models.CharField(max_length=NAME_MAX)
    # Display names in other languages, e.g. {"es": "Agente", "it": "Operatore"}.
    name_translations = models.JSONField(default=dict, blank=True)
    band = models.CharField(max_length=12, choices=Band.choices)
    actor = models.ForeignKey(
        Actor, on_delete=models.SET_NULL, null=True, blank=True, related_name="lanes"
    )
    position = models.IntegerField()
    merge_key = merge_key_field()
    merge_snapshot = merge_snapshot_field()

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["blueprint", "position"], name="lane_position_unique"),
            merge_key_unique("lane_merge_key_unique"),
            models.CheckConstraint(condition=Q(band__in=Band.values), name="lane_band_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str) -> str:
        translations = self.name_translations or {}
        return translations.get(language) or translations.get(language[:2]) or self.name


class Step(models.Model):
    """A card in one lane × phase cell."""

    blueprint = models.ForeignKey(Blueprint, on_delete=models.CASCADE, related_name="steps")
    lane = models.ForeignKey(Lane, on_delete=models.CASCADE, related_name="steps")
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(max_length=TEXT_MAX, blank=True)
    kind = models.CharField(max_length=12, choices=StepKind.choices, default=StepKind.ACTION)
    channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="steps"
    )
    actor = models.ForeignKey(
        Actor, on_delete=models.SET_NULL, null=True, blank=True, related_name="steps"
    )
    emotion = models.SmallIntegerField(
        default=0, validators=[MinValueValidator(-2), MaxValueValidator(2)]
    )
    evidence = models.CharField(max_length=10, choices=Evidence.choices, default=Evidence.OBSERVED)
    data_captured = models.CharField(max_length=500, blank=True)
    data_recorded_in = models.CharField(max_length=200, blank=True)
    data_stage = models.CharField(max_length=14, choices=DataStage.choices, blank=True)
    position = models.IntegerField()
    version = models.PositiveIntegerField(default=1)
    sources = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="merged_into"
    )
    updated_at = models.DateTimeField(auto_now=True)
    merge_key = merge_key_field()
    merge_snapshot = merge_snapshot_field()

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lane", "phase", "position"], name="step_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(emotion__gte=-2) & Q(emotion__lte=2), name="step_emotion_range"
            ),
            models.CheckConstraint(condition=Q(kind__in=StepKind.values), name="step_kind_valid"),
            models.CheckConstraint(
                condition=Q(evidence__in=Evidence.values), name="step_evidence_valid"
            ),
            models.CheckConstraint(
                condition=Q(data_stage__in=DataStage.values), name="step_data_stage_valid"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="step_version_positive"),
            merge_key_unique("step_merge_key_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def icon(self) -> str:
        return KIND_ICONS.get(self.kind, KIND_ICONS["action"])


class Link(models.Model):
    """An interdependency between two steps of one blueprint."""

    blueprint = models.ForeignKey(Blueprint, on_delete=models.CASCADE, related_name="links")
    source = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="outgoing")
    target = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="incoming")
    kind = models.CharField(max_length=12, choices=LinkKind.choices, default=LinkKind.HANDOFF)
    label = models.CharField(max_length=NAME_MAX, blank=True)
    merge_key = merge_key_field()
    merge_snapshot = merge_snapshot_field()

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            merge_key_unique("link_merge_key_unique"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="link_not_loop"),
            models.UniqueConstraint(fields=["source", "target", "kind"], name="link_unique"),
            models.CheckConstraint(condition=Q(kind__in=LinkKind.values), name="link_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id} ({self.kind})"


class Verdict(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class MergeDecision(models.Model):
    """The facilitator's answer to a merge suggestion: two team steps are, or are not, one."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="merge_decisions"
    )
    # The pair is stored in id order, so it is recorded once whichever way it was named.
    first_step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="+")
    second_step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["first_step", "second_step"], name="merge_pair_once"),
            models.CheckConstraint(
                condition=Q(first_step__lt=models.F("second_step")), name="merge_pair_ordered"
            ),
            models.CheckConstraint(
                condition=Q(verdict__in=Verdict.values), name="merge_verdict_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_step_id} + {self.second_step_id}: {self.verdict}"


class DismissedStep(models.Model):
    """A merged step the facilitator deleted from the global blueprint: merges leave it out.

    Deleting is the facilitator's edit of the global blueprint; like every such edit it must
    survive a re-merge. Undoing the delete lifts the dismissal.
    """

    blueprint = models.ForeignKey(
        Blueprint, on_delete=models.CASCADE, related_name="dismissed_steps"
    )
    merge_key = models.CharField(max_length=MERGE_KEY_MAX)
    step_id = models.PositiveBigIntegerField(help_text="The deleted row's id, for an undo.")
    title = models.CharField(max_length=TITLE_MAX)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["blueprint", "merge_key"], name="dismissed_once"),
        ]

    def __str__(self) -> str:
        return self.title


class PhaseMapping(models.Model):
    """Merge a team phase into the global phase called `name` instead of its own name."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="phase_mappings"
    )
    phase = models.OneToOneField(Phase, on_delete=models.CASCADE, related_name="mapping")
    name = models.CharField(max_length=NAME_MAX)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.phase_id} → {self.name}"


class MergeRun(models.Model):
    """One merge of the team blueprints into the global one, and what it reported."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="merge_runs")
    blueprint = models.ForeignKey(Blueprint, on_delete=models.CASCADE, related_name="merge_runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Merge {self.pk} of {self.workspace_id}"


class MergeJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class MergeJob(models.Model):
    """A merge run in the background (blueprints/merge_jobs.py): a big one, or one asked for.

    `stage` says where it is; a running job beats `heartbeat_at`, and one silent for the lease
    is failed by whoever looks next (the merge writes in one transaction: nothing is left
    half-done). `run` is the merge's report once done.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="merge_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=MergeJobStatus.choices, default=MergeJobStatus.QUEUED
    )
    stage = models.CharField(max_length=20, blank=True)
    team_steps = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=20, blank=True)
    run = models.ForeignKey(
        MergeRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["workspace", "status"])]

    def __str__(self) -> str:
        return f"Merge job {self.pk} of {self.workspace_id}"


class BlueprintSequence(models.Model):
    """The last event number of a blueprint, in a table of its own.

    Writers allocate the next number with one conditional UPDATE inside their transaction, so
    the row stays locked until they commit: numbers come without gaps and commit in order, on
    PostgreSQL and SQLite alike. Kept apart from `blueprints_blueprint` so that counting never
    touches (or locks) the blueprint row that every foreign key check reads.
    """

    blueprint = models.OneToOneField(
        Blueprint, on_delete=models.CASCADE, primary_key=True, related_name="sequence"
    )
    seq = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.blueprint_id}: {self.seq}"


class BlueprintEvent(models.Model):
    """One change of a blueprint's content: what the live page replays and history shows.

    `before` and `after` are the changed object as the API serialises it (None for a create or
    a delete); `order` the ids of its siblings in their new order when the order changed.
    """

    blueprint = models.ForeignKey(Blueprint, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=40)  # e.g. "step.updated", "lanes.reordered"
    object_id = models.BigIntegerField(null=True, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    order = models.JSONField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A workshop guest has no account: their participant row, and their name for when the
    # facilitator has removed them since.
    actor_participant = models.ForeignKey(
        "workshops.Participant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=80, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # An undo points at the change it undid; each change is undone at most once.
    undo_of = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="undone_by"
    )

    class Meta:
        ordering = ["blueprint", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["blueprint", "seq"], name="event_seq_unique"),
        ]
        indexes = [models.Index(fields=["blueprint", "actor", "-seq"], name="event_actor_idx")]

    def __str__(self) -> str:
        return f"{self.blueprint_id}#{self.seq} {self.kind}"


class FindingDismissal(models.Model):
    """An audit finding someone judged not to be a problem here, and why.

    A finding is named by its rule and its key (see blueprints/audit.py), so the dismissal
    holds while the problem stays as it was; the audit shows it as dismissed, with the reason.
    """

    blueprint = models.ForeignKey(
        Blueprint, on_delete=models.CASCADE, related_name="finding_dismissals"
    )
    rule = models.CharField(max_length=40)
    key = models.CharField(max_length=MERGE_KEY_MAX)
    reason = models.TextField(max_length=REASON_MAX)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dismissed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["blueprint", "rule", "key"], name="finding_dismissed_once"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="finding_dismissal_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.key}: {self.reason[:40]}"


class BlueprintTemplate(models.Model):
    """A blueprint kept for the workspace to start new ones from (blueprints/library.py)."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="blueprint_templates"
    )
    name = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(max_length=TEXT_MAX, blank=True)
    # A blueprint document (blueprints/interchange.py), without its `source`.
    document = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="template_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name
