from django.contrib import admin

from innovation.models import (
    DataNeed,
    Experiment,
    Iteration,
    Opportunity,
    ServiceConcept,
    StoryboardStep,
)


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["title", "workspace", "customer_value", "business_value", "effort", "status"]
    list_filter = ["status", "horizon"]
    search_fields = ["title"]
    raw_id_fields = ["steps", "contact_reasons", "personas", "workshop_outputs", "owner"]


class StoryboardInline(admin.TabularInline):
    model = StoryboardStep
    extra = 0


@admin.register(ServiceConcept)
class ServiceConceptAdmin(admin.ModelAdmin):
    list_display = ["title", "workspace"]
    search_fields = ["title"]
    raw_id_fields = ["personas", "opportunities", "to_be_blueprint"]
    inlines = [StoryboardInline]


class IterationInline(admin.TabularInline):
    model = Iteration
    extra = 0
    raw_id_fields = ["author"]


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ["mvp_name", "workspace", "status", "baseline", "target", "result"]
    list_filter = ["status", "horizon"]
    search_fields = ["mvp_name", "hypothesis"]
    raw_id_fields = ["concept", "owner"]
    inlines = [IterationInline]


@admin.register(DataNeed)
class DataNeedAdmin(admin.ModelAdmin):
    list_display = ["item", "persona", "workspace", "status", "horizon"]
    list_filter = ["status", "horizon"]
    search_fields = ["item"]
    raw_id_fields = ["persona", "step", "channel", "owner"]
