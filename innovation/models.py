"""From personas to new services: opportunities, service concepts, experiments (the MVPs),
data needs, and the roadmap that orders them.

Everything belongs to one workspace, and everything it points at (steps, personas, contact
reasons, channels, workshop outputs, owners) must belong to the same one: `clean()` checks the
foreign keys, the services check the many-to-many lists (they are set after saving).
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from workspaces.models import VisibleQuerySet, Workspace

TITLE_MAX = 200
TEXT_MAX = 5000
VALUE_MAX = 100
EFFORT_MIN, EFFORT_MAX = 1, 5

NOT_IN_WORKSPACE = _("Must belong to the same workspace.")
OWNER_NOT_MEMBER = _("The owner must be a member of this workspace.")
ENDS_BEFORE_START = _("The end date cannot be before the start date.")
VERDICT_NEEDS_RESULT = _("Record a result before calling the experiment validated or invalidated.")


class Horizon(models.TextChoices):
    NOW = "now", _("Now")
    NEXT = "next", _("Next")
    LATER = "later", _("Later")
    NONE = "none", _("Not on the roadmap")


ROADMAP_COLUMNS = (Horizon.NOW, Horizon.NEXT, Horizon.LATER)


class RoadmapType(models.TextChoices):
    """The kinds of item a roadmap holds, as the API names them."""

    OPPORTUNITY = "opportunity", _("Opportunity")
    EXPERIMENT = "experiment", _("Experiment")
    DATA_NEED = "data_need", _("Data need")


class OpportunityStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("opportunity status", "Open")
    IN_PROGRESS = "in_progress", _("In progress")
    SOLVED = "solved", _("Solved")
    DISMISSED = "dismissed", _("Dismissed")


class ExperimentStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    VALIDATED = "validated", _("Validated")
    INVALIDATED = "invalidated", _("Invalidated")
    INCONCLUSIVE = "inconclusive", _("Inconclusive")


VERDICTS = (ExperimentStatus.VALIDATED, ExperimentStatus.INVALIDATED)


class DataNeedStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    COLLECTING = "collecting", _("Collecting")
    AVAILABLE = "available", _("Available")
    DROPPED = "dropped", _("Dropped")


def same_workspace(workspace_id: int, item: Any) -> bool:
    """Whether a step, persona, contact reason, channel, blueprint, output or concept named by
    an innovation object belongs to `workspace_id`."""
    if hasattr(item, "workspace_id"):
        return item.workspace_id == workspace_id
    if hasattr(item, "blueprint_id"):  # a step
        return item.blueprint.workspace_id == workspace_id
    return item.workshop.workspace_id == workspace_id  # a workshop output


class InnovationItem(models.Model):
    """What every object of this app has: its workspace, a version for optimistic
    concurrency (as steps have), who wrote it and when."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VisibleQuerySet.as_manager()

    # Foreign keys that must point into the object's workspace (checked by `clean`).
    scoped_keys: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        problems: dict[str, list[Any]] = {}
        for name in self.scoped_keys:
            item = getattr(self, name)
            if item is not None and not same_workspace(self.workspace_id, item):
                problems[name] = [NOT_IN_WORKSPACE]
        if problems:
            raise ValidationError(problems)

    def participant_may(self, user: Any, action: str) -> bool:
        """workspaces.access: what a participant may do here (none, unless a model says so)."""
        return False


class RoadmapItem(InnovationItem):
    """An item the facilitator places on the roadmap: a column (`horizon`), its place in the
    column (`roadmap_position`, smallest first), an owner and a due date."""

    horizon = models.CharField(max_length=5, choices=Horizon.choices, default=Horizon.NONE)
    roadmap_position = models.PositiveIntegerField(default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)

    ROADMAP_FIELDS = ("horizon", "roadmap_position", "owner", "due_date")

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if (
            self.owner_id is not None
            and not self.owner.memberships.filter(workspace_id=self.workspace_id).exists()
        ):
            raise ValidationError({"owner": [OWNER_NOT_MEMBER]})


class Opportunity(RoadmapItem):
    """A chance to serve better, scored by customer and business value against effort."""

    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(max_length=TEXT_MAX, blank=True)
    customer_value = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(VALUE_MAX)]
    )
    business_value = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(VALUE_MAX)]
    )
    effort = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(EFFORT_MIN), MaxValueValidator(EFFORT_MAX)],
    )
    status = models.CharField(
        max_length=12, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    steps = models.ManyToManyField("blueprints.Step", blank=True, related_name="opportunities")
    contact_reasons = models.ManyToManyField(
        "personas.ContactReason", blank=True, related_name="opportunities"
    )
    personas = models.ManyToManyField("personas.Persona", blank=True, related_name="opportunities")
    workshop_outputs = models.ManyToManyField(
        "workshops.Output", blank=True, related_name="opportunities"
    )

    # What only a facilitator sets (issue 20: participants create, facilitators score).
    FACILITATOR_FIELDS = (
        "customer_value",
        "business_value",
        "effort",
        "status",
        *RoadmapItem.ROADMAP_FIELDS,
    )

    class Meta:
        ordering = ["title", "id"]
        verbose_name_plural = "opportunities"
        constraints = [
            models.CheckConstraint(
                condition=Q(customer_value__lte=VALUE_MAX), name="opportunity_customer_value_range"
            ),
            models.CheckConstraint(
                condition=Q(business_value__lte=VALUE_MAX), name="opportunity_business_value_range"
            ),
            models.CheckConstraint(
                condition=Q(effort__gte=EFFORT_MIN, effort__lte=EFFORT_MAX),
                name="opportunity_effort_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=OpportunityStatus.values), name="opportunity_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(horizon__in=Horizon.values), name="opportunity_horizon_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def value(self) -> float | None:
        """The mean of customer and business value; None until both are scored."""
        if self.customer_value is None or self.business_value is None:
            return None
        return (self.customer_value + self.business_value) / 2

    def participant_may(self, user: Any, action: str) -> bool:
        """workspaces.access: participants add opportunities and change their own."""
        return action == "create" or self.created_by_id == user.pk


class ServiceConcept(InnovationItem):
    """A new service or protocol idea for one or more personas, answering opportunities."""

    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(max_length=TEXT_MAX, blank=True)
    personas = models.ManyToManyField(
        "personas.Persona", blank=True, related_name="service_concepts"
    )
    opportunities = models.ManyToManyField(Opportunity, blank=True, related_name="service_concepts")
    to_be_blueprint = models.ForeignKey(
        "blueprints.Blueprint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_concepts",
    )

    scoped_keys = ("to_be_blueprint",)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class StoryboardStep(models.Model):
    """One frame of a concept's storyboard, in order."""

    concept = models.ForeignKey(ServiceConcept, on_delete=models.CASCADE, related_name="storyboard")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(max_length=TEXT_MAX, blank=True)

    workspace_path = "concept__workspace"

    class Meta:
        ordering = ["concept", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["concept", "position"], name="storyboard_step_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title


MEASURE = {"max_digits": 16, "decimal_places": 4, "null": True, "blank": True}


class Experiment(RoadmapItem):
    """An MVP testing a concept's hypothesis against a metric: baseline, target, result."""

    concept = models.ForeignKey(
        ServiceConcept, on_delete=models.RESTRICT, related_name="experiments"
    )
    mvp_name = models.CharField(max_length=TITLE_MAX)
    mvp_description = models.TextField(max_length=TEXT_MAX, blank=True)
    hypothesis = models.TextField(max_length=TEXT_MAX, blank=True)
    metric = models.CharField(max_length=TITLE_MAX, blank=True)
    baseline = models.DecimalField(**MEASURE)
    target = models.DecimalField(**MEASURE)
    result = models.DecimalField(**MEASURE)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=ExperimentStatus.choices, default=ExperimentStatus.PLANNED
    )
    learnings = models.TextField(max_length=TEXT_MAX, blank=True)

    scoped_keys = ("concept",)

    class Meta:
        ordering = [models.F("start_date").asc(nulls_last=True), "mvp_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExperimentStatus.values), name="experiment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(horizon__in=Horizon.values), name="experiment_horizon_valid"
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="experiment_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[s.value for s in VERDICTS]) | Q(result__isnull=False),
                name="experiment_verdict_has_result",
            ),
        ]

    def __str__(self) -> str:
        return self.mvp_name

    def clean(self) -> None:
        super().clean()
        problems: dict[str, list[Any]] = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            problems["end_date"] = [ENDS_BEFORE_START]
        if self.status in VERDICTS and self.result is None:
            problems["result"] = [VERDICT_NEEDS_RESULT]
        if problems:
            raise ValidationError(problems)

    @property
    def met(self) -> bool | None:
        """Whether the result reached the target, moving from the baseline towards it (a
        target below the baseline is reached by going down); None until all three are known."""
        if self.result is None or self.target is None or self.baseline is None:
            return None
        result, target = Decimal(self.result), Decimal(self.target)
        if Decimal(self.target) < Decimal(self.baseline):
            return result <= target
        return result >= target


class Iteration(models.Model):
    """One line of an experiment's iteration log: what was tried or learned, when, by whom."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="iterations")
    date = models.DateField()
    text = models.TextField(max_length=TEXT_MAX)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    workspace_path = "experiment__workspace"

    class Meta:
        ordering = ["experiment", "date", "id"]

    def __str__(self) -> str:
        return f"{self.date}: {self.text[:60]}"


class DataNeed(RoadmapItem):
    """A datum still to obtain for a persona: why, how (at which step, by which channel,
    with what consent), how its quality is judged, and how far along it is."""

    persona = models.ForeignKey(
        "personas.Persona", on_delete=models.CASCADE, related_name="data_needs"
    )
    step = models.ForeignKey(
        "blueprints.Step", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.ForeignKey(
        "blueprints.Channel", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    item = models.CharField(max_length=TITLE_MAX)
    why = models.TextField(max_length=TEXT_MAX, blank=True)
    method = models.TextField(max_length=TEXT_MAX, blank=True)
    consent = models.TextField(max_length=TEXT_MAX, blank=True)
    quality = models.TextField(max_length=TEXT_MAX, blank=True)
    status = models.CharField(
        max_length=10, choices=DataNeedStatus.choices, default=DataNeedStatus.PROPOSED
    )

    scoped_keys = ("persona", "step", "channel")
    FACILITATOR_FIELDS = ("status", *RoadmapItem.ROADMAP_FIELDS)

    class Meta:
        ordering = ["persona", "item", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DataNeedStatus.values), name="data_need_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(horizon__in=Horizon.values), name="data_need_horizon_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.item

    def participant_may(self, user: Any, action: str) -> bool:
        """workspaces.access: participants add data needs and change their own."""
        return action == "create" or self.created_by_id == user.pk
