from django.contrib import admin

from blueprints.models import (
    Actor,
    Blueprint,
    BlueprintEvent,
    BlueprintSequence,
    BlueprintTemplate,
    Channel,
    DismissedStep,
    FindingDismissal,
    Lane,
    Link,
    MergeDecision,
    MergeJob,
    MergeRun,
    Phase,
    PhaseMapping,
    Step,
)


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace"]
    list_filter = ["workspace"]
    search_fields = ["name"]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "workspace"]
    list_filter = ["kind", "workspace"]


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


class LaneInline(admin.TabularInline):
    model = Lane
    extra = 0


@admin.register(Blueprint)
class BlueprintAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "team", "workspace", "version"]
    list_filter = ["kind", "workspace"]
    inlines = [PhaseInline, LaneInline]


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ["name", "blueprint", "position"]


@admin.register(Lane)
class LaneAdmin(admin.ModelAdmin):
    list_display = ["name", "band", "actor", "blueprint", "position"]
    list_filter = ["band"]


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "lane", "phase", "blueprint", "version"]
    list_filter = ["kind", "evidence", "blueprint"]
    search_fields = ["title", "description"]
    filter_horizontal = ["sources"]


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    list_display = ["source", "kind", "target", "blueprint"]
    list_filter = ["kind"]


@admin.register(MergeRun)
class MergeRunAdmin(admin.ModelAdmin):
    list_display = ["workspace", "blueprint", "created_by", "created_at"]
    list_filter = ["workspace"]
    readonly_fields = ["report"]


@admin.register(MergeJob)
class MergeJobAdmin(admin.ModelAdmin):
    list_display = ["workspace", "status", "stage", "team_steps", "created_at", "finished_at"]
    list_filter = ["status", "workspace"]
    readonly_fields = ["run"]


@admin.register(MergeDecision)
class MergeDecisionAdmin(admin.ModelAdmin):
    list_display = ["first_step", "second_step", "verdict", "decided_by", "decided_at"]
    list_filter = ["verdict", "workspace"]


@admin.register(DismissedStep)
class DismissedStepAdmin(admin.ModelAdmin):
    list_display = ["title", "blueprint", "dismissed_by", "dismissed_at"]


@admin.register(FindingDismissal)
class FindingDismissalAdmin(admin.ModelAdmin):
    list_display = ["rule", "key", "blueprint", "dismissed_by", "dismissed_at"]
    list_filter = ["rule"]
    search_fields = ["reason", "key"]


@admin.register(PhaseMapping)
class PhaseMappingAdmin(admin.ModelAdmin):
    list_display = ["phase", "name", "workspace", "decided_by"]
    list_filter = ["workspace"]


@admin.register(BlueprintEvent)
class BlueprintEventAdmin(admin.ModelAdmin):
    list_display = ["blueprint", "seq", "kind", "object_id", "actor", "created_at"]
    list_filter = ["kind"]
    readonly_fields = ["before", "after", "order"]


@admin.register(BlueprintSequence)
class BlueprintSequenceAdmin(admin.ModelAdmin):
    list_display = ["blueprint", "seq"]


@admin.register(BlueprintTemplate)
class BlueprintTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "created_by", "created_at"]
    list_filter = ["workspace"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_at"]
