from django.contrib import admin

from personas.models import Contact, ContactImport, ContactReason


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
