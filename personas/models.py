"""Contact reasons (the taxonomy), contact imports and the contacts they bring in."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from workshops.models import Workspace

NAME_MAX = 120
TEXT_MAX = 120
MAX_STORED_ERRORS = 1000


class ReasonSource(models.TextChoices):
    SEED = "seed", "Demo seed"
    MANUAL = "manual", "Added by hand"
    IMPORT = "import", "From an import"


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
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"


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
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

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
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "", "Unknown"


class ContactQuerySet(models.QuerySet["Contact"]):
    def visible(self) -> "ContactQuerySet":
        """Contacts of finished imports (and those made without one): a running or failed
        import's rows, committed batch by batch, never count."""
        return self.filter(
            Q(contact_import__isnull=True) | Q(contact_import__status=ImportStatus.DONE)
        )


class Contact(models.Model):
    """One consumer contact from the CRM."""

    # Indexed by the composite indexes below, which all start with it.
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="contacts", db_index=False
    )
    contact_import = models.ForeignKey(
        ContactImport, on_delete=models.CASCADE, null=True, blank=True, related_name="contacts"
    )
    customer_id = models.CharField(max_length=100)
    contact_date = models.DateField(null=True, blank=True)
    category = models.ForeignKey(
        ContactReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subcategory = models.ForeignKey(
        ContactReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.ForeignKey(
        "blueprints.Channel", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel_raw = models.CharField(max_length=TEXT_MAX, blank=True)
    gender = models.CharField(max_length=10, choices=Gender.choices, blank=True)
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    residence = models.CharField(max_length=TEXT_MAX, blank=True)
    birthplace = models.CharField(max_length=TEXT_MAX, blank=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "customer_id"], name="contact_customer_idx"),
            models.Index(fields=["workspace", "contact_date"], name="contact_date_idx"),
            models.Index(
                fields=["workspace", "category", "subcategory"], name="contact_reason_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} on {self.contact_date}"
