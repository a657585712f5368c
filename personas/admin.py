from django.contrib import admin

from personas.models import (
    Contact,
    ContactImport,
    ContactReason,
    Persona,
    Segment,
    Segmentation,
    ServiceProtocol,
)


@admin.register(ContactReason)
class ContactReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "workspace", "reviewed", "source"]
    list_filter = ["reviewed", "source"]
    search_fields = ["name"]


@admin.register(ContactImport)
class ContactImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "workspace", "status", "rows_imported", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["progress", "rows_total", "rows_imported", "errors", "errors_total"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["customer_id", "contact_date", "category", "subcategory", "workspace"]
    list_select_related = ["category", "subcategory", "workspace"]
    raw_id_fields = ["contact_import", "category", "subcategory", "channel"]


@admin.register(Segmentation)
class SegmentationAdmin(admin.ModelAdmin):
    list_display = ["pk", "workspace", "status", "k", "seed", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["params", "metrics", "candidates", "population", "progress"]
    exclude = ["assignments"]


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["number", "segmentation", "customers", "share", "small"]
    list_filter = ["small"]


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "segment", "matched", "version"]
    list_filter = ["matched"]
    search_fields = ["name"]
    raw_id_fields = ["segment", "steps"]
    filter_horizontal = ["preferred_channels", "blueprints"]


@admin.register(ServiceProtocol)
class ServiceProtocolAdmin(admin.ModelAdmin):
    list_display = ["persona", "contact_reason", "channel", "tone", "target_response_minutes"]
    list_select_related = ["persona", "contact_reason", "channel"]
