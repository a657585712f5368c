"""Contact reasons (the taxonomy), contact imports and the contacts they bring in."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from workspaces.models import VisibleQuerySet, Workspace

NAME_MAX = 120
TEXT_MAX = 120
MAX_STORED_ERRORS = 1000


class ReasonSource(models.TextChoices):
    SEED = "seed", _("Demo seed")
    MANUAL = "manual", _("Added by hand")
    IMPORT = "import", _("From an import")


class ContactReason(models.Model):
    """A node of the taxonomy: a category (no parent) or one of its subcategories.

    `aliases` keeps the names of nodes merged into this one, so that the next import of the
    same raw CRM value lands here instead of adding the merged node again.
    """

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="contact_reasons"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    name = models.CharField(max_length=NAME_MAX)
    reviewed = models.BooleanField(default=True)
    source = models.CharField(max_length=10, choices=ReasonSource.choices, default="manual")
    aliases = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "workspace",
                Lower("name"),
                condition=Q(parent__isnull=True),
                name="contact_reason_category_unique",
            ),
            models.UniqueConstraint(
                "parent",
                Lower("name"),
                condition=Q(parent__isnull=False),
                name="contact_reason_subcategory_unique",
            ),
            models.CheckConstraint(
                condition=Q(source__in=ReasonSource.values), name="contact_reason_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", _("Excel (XLSX)")


class ContactImport(models.Model):
    """A CRM file, what was detected in it, how its columns map onto contacts, and the run."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="contact_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    file = models.FileField(upload_to="contact-imports/%Y/%m/")
    file_name = models.CharField(max_length=255)
    format = models.CharField(max_length=10, choices=ImportFormat.choices, default="csv")
    delimiter = models.CharField(max_length=1, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    columns = models.JSONField(default=list)
    preview = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    progress = models.FloatField(default=0.0)
    rows_total = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)  # the first MAX_STORED_ERRORS {line, message}
    errors_total = models.PositiveIntegerField(default=0)
    # Field → {raw value: rows} of demographic values kept as they were (not recognised).
    unrecognised = models.JSONField(default=dict, blank=True)
    # Taxonomy nodes and channels this import added: deleting it removes those nobody else uses.
    created_reasons = models.JSONField(default=list, blank=True)
    created_channels = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="contact_import_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(format__in=ImportFormat.values), name="contact_import_format_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.file_name


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "", _("Unknown")


class ContactQuerySet(VisibleQuerySet):
    def visible(self) -> "ContactQuerySet":
        """Contacts of finished imports (and those made without one): a running or failed
        import's rows, committed batch by batch, never count."""
        return self.filter(
            Q(contact_import__isnull=True) | Q(contact_import__status=ImportStatus.DONE)
        )


class Contact(models.Model):
    """One consumer contact from the CRM."""

    # Indexed by contact_date_idx below, which starts with it.
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="contacts", db_index=False
    )
    contact_import = models.ForeignKey(
        ContactImport, on_delete=models.CASCADE, null=True, blank=True, related_name="contacts"
    )
    customer_id = models.CharField(max_length=100)
    contact_date = models.DateField(null=True, blank=True)
    category = models.ForeignKey(
        ContactReason, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    # Not indexed (see Meta): read by subcategory or channel only in rare curation actions.
    subcategory = models.ForeignKey(
        ContactReason,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    channel = models.ForeignKey(
        "blueprints.Channel",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    channel_raw = models.CharField(max_length=TEXT_MAX, blank=True)
    gender = models.CharField(max_length=10, choices=Gender.choices, blank=True)
    # The file's gender or age as written when it was not recognised ("No indica", "N/D"):
    # kept for review and for a mapping chosen later, never a reason to drop the contact.
    gender_raw = models.CharField(max_length=TEXT_MAX, blank=True)
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    age_band = models.CharField(max_length=20, blank=True)  # "25-34", "65+" as the file had it
    age_raw = models.CharField(max_length=TEXT_MAX, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    residence = models.CharField(max_length=TEXT_MAX, blank=True)
    birthplace = models.CharField(max_length=TEXT_MAX, blank=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        # Every index is paid for by every imported row (bench/bench_import.py): only those a
        # query uses (EXPLAIN on SQLite and PostgreSQL, issue 15). This one serves the
        # workspace's reads and a scope's period; the foreign keys' own indexes on import and
        # category serve the deletes of an import's contacts and the category pages. A reason
        # or channel belongs to one workspace: filtering by workspace as well adds nothing.
        # Contacts are read by subcategory or channel only in curation actions (merge or
        # delete a reason or channel, release an import's nodes, count a page of channels),
        # each one scan of the workspace's contacts (or of the table, for a database's own
        # check on a delete: one per statement on PostgreSQL, migration 0008; one per deleted
        # row on SQLite), never per contact or per page of contacts: those two indexes are
        # gone (0008), as are the former (workspace, customer_id) index — nothing reads
        # contacts by customer id — and (workspace, category, subcategory) index (0007).
        indexes = [
            models.Index(fields=["workspace", "contact_date"], name="contact_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} on {self.contact_date}"


# --- segmentation, personas, protocols -----------------------------------------------------

K_MIN, K_MAX = 3, 12


class Segmentation(models.Model):
    """One run of the segmentation: what was asked, how it went, and what it found."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="segmentations")
    contact_import = models.ForeignKey(
        ContactImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_k = models.PositiveSmallIntegerField(null=True, blank=True)
    use_demographics = models.BooleanField(default=False)
    seed = models.PositiveIntegerField(default=0)
    # The language of who started the run: the personas it drafts are worded in it.
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    progress = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    k = models.PositiveSmallIntegerField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    candidates = models.JSONField(default=list, blank=True)
    population = models.JSONField(default=dict, blank=True)
    # `customer_id,segment` CSV, zlib-compressed (services.assignments_blob).
    assignments = models.BinaryField(default=b"", blank=True)
    # What the run covers: {"imports": [ids], "date_from", "date_to": "YYYY-MM-DD",
    # "channels": [ids], "exclude_demo": bool}; empty: every visible contact.
    scope = models.JSONField(default=dict, blank=True)
    # An import it covered was deleted since: its segments describe contacts that are gone.
    stale = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="segmentation_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(requested_k__isnull=True)
                | Q(requested_k__gte=K_MIN, requested_k__lte=K_MAX),
                name="segmentation_requested_k_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Segmentation {self.pk} of {self.workspace_id}"

    def personas_count(self) -> int:
        return Persona.objects.filter(segment__segmentation=self).count()


class Segment(models.Model):
    """A group of customers of one run, numbered by size (1 is the largest), with evidence."""

    segmentation = models.ForeignKey(
        Segmentation, on_delete=models.CASCADE, related_name="segments"
    )
    number = models.PositiveSmallIntegerField()
    customers = models.PositiveIntegerField()
    share = models.FloatField()
    small = models.BooleanField(default=False)
    contacts = models.PositiveIntegerField()
    contacts_per_customer = models.FloatField()
    profile = models.JSONField(default=dict)
    over_indexing = models.JSONField(default=dict)
    breakdown = models.JSONField(default=dict)
    bias = models.JSONField(default=list)

    class Meta:
        ordering = ["segmentation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["segmentation", "number"], name="segment_number_unique")
        ]

    def __str__(self) -> str:
        return f"Segment {self.number}"


# Profile fields a draft fills from its segment's evidence; an edit by a person keeps them.
DRAFT_FIELDS = ("name", "gender", "age", "residence", "birthplace", "needs", "habits")
LIST_FIELDS = ("needs", "habits", "desires", "frustrations")
QUOTE_MAX = 500


class Persona(models.Model):
    """A persona: drafted from a segment with its evidence, refined by the facilitator."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="personas")
    segment = models.ForeignKey(
        Segment, on_delete=models.SET_NULL, null=True, blank=True, related_name="personas"
    )
    matched = models.BooleanField(
        default=True, help_text="Found again by the workspace's latest segmentation."
    )
    archived = models.BooleanField(
        default=False, help_text="Put aside: kept, but not listed with the working personas."
    )
    name = models.CharField(max_length=NAME_MAX)
    picture = models.FileField(upload_to="personas/%Y/%m/", blank=True)
    quote = models.CharField(max_length=QUOTE_MAX, blank=True)
    gender = models.CharField(max_length=TEXT_MAX, blank=True)
    age = models.CharField(max_length=TEXT_MAX, blank=True)
    residence = models.CharField(max_length=TEXT_MAX, blank=True)
    birthplace = models.CharField(max_length=TEXT_MAX, blank=True)
    needs = models.JSONField(default=list, blank=True)
    habits = models.JSONField(default=list, blank=True)
    desires = models.JSONField(default=list, blank=True)
    frustrations = models.JSONField(default=list, blank=True)
    preferred_channels = models.ManyToManyField("blueprints.Channel", blank=True, related_name="+")
    blueprints = models.ManyToManyField("blueprints.Blueprint", blank=True, related_name="personas")
    steps = models.ManyToManyField("blueprints.Step", blank=True, related_name="personas")
    evidence = models.JSONField(default=dict, blank=True)
    profile = models.JSONField(default=dict, blank=True)
    edited_fields = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def initials(self) -> str:
        words = [w for w in self.name.replace("·", " ").split() if w[:1].isalnum()]
        return "".join(w[0] for w in words[:2]).upper() or "?"


class ServiceProtocol(models.Model):
    """How to serve one persona for one contact reason or on one channel."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="service_protocols"
    )
    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="protocols")
    contact_reason = models.ForeignKey(
        ContactReason, on_delete=models.CASCADE, null=True, blank=True, related_name="protocols"
    )
    channel = models.ForeignKey(
        "blueprints.Channel",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="protocols",
    )
    tone = models.CharField(max_length=TEXT_MAX, blank=True)
    preferred_channel = models.ForeignKey(
        "blueprints.Channel", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    script = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["persona", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact_reason__isnull=False) | Q(channel__isnull=False),
                name="protocol_reason_and_or_channel",
            ),
            models.UniqueConstraint(
                fields=["persona", "contact_reason"],
                condition=Q(contact_reason__isnull=False, channel__isnull=True),
                name="protocol_persona_reason_unique",
            ),
            models.UniqueConstraint(
                fields=["persona", "channel"],
                condition=Q(contact_reason__isnull=True, channel__isnull=False),
                name="protocol_persona_channel_unique",
            ),
            models.UniqueConstraint(
                fields=["persona", "contact_reason", "channel"],
                condition=Q(contact_reason__isnull=False, channel__isnull=False),
                name="protocol_persona_reason_channel_unique",
            ),
        ]

    def __str__(self) -> str:
        return " × ".join(
            str(part) for part in (self.persona, self.contact_reason, self.channel) if part
        )


class ImportRowError(models.Model):
    """A row an import did not take: its line in the file, why, and what it held.

    Every one is kept (no cap): the page shows the first ones and the total, the CSV all.
    `message` is the message's English text with `{placeholders}` and `params` their values,
    so each reader gets it in their own language.
    """

    contact_import = models.ForeignKey(
        ContactImport, on_delete=models.CASCADE, related_name="row_errors"
    )
    line = models.PositiveIntegerField(null=True, blank=True)
    message = models.CharField(max_length=300)
    params = models.JSONField(default=dict, blank=True)
    raw = models.TextField(blank=True)

    class Meta:
        ordering = ["contact_import", "line", "id"]

    def __str__(self) -> str:
        return f"{self.contact_import_id}:{self.line}"


class ChannelEntry(models.Model):
    """A channel as the contact data knows it: the other names (aliases) files use for it,
    and whether a person reviewed it. Channels without an entry were named by hand."""

    channel = models.OneToOneField(
        "blueprints.Channel", on_delete=models.CASCADE, related_name="entry"
    )
    aliases = models.JSONField(default=list, blank=True)
    reviewed = models.BooleanField(default=True)
    source = models.CharField(max_length=10, choices=ReasonSource.choices, default="manual")

    def __str__(self) -> str:
        return f"{self.channel_id}"


class ValueMapping(models.Model):
    """A demographic value of a file mapped by a person ("No indica" → unknown): applied to
    the contacts that have it, and to the next imports."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="value_mappings"
    )
    field = models.CharField(max_length=20)
    raw = models.CharField(max_length=TEXT_MAX)
    value = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("workspace", "field", Lower("raw"), name="value_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.raw} → {self.value}"
