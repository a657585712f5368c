from django.contrib import admin

from workshops.models import (
    Activity,
    Cluster,
    Group,
    Membership,
    Note,
    Output,
    Participant,
    Team,
    Vote,
    Workshop,
    WorkshopEvent,
    WorkshopSequence,
    Workspace,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "created_at"]
    search_fields = ["name", "client"]
    inlines = [MembershipInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace"]
    list_filter = ["workspace"]
    filter_horizontal = ["members"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role"]
    list_filter = ["role", "workspace"]


class ActivityInline(admin.TabularInline):
    model = Activity
    extra = 0


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ["title", "workspace", "date", "join_open"]
    list_filter = ["workspace"]
    search_fields = ["title"]
    inlines = [ActivityInline]


for workshop_model in (
    Activity,
    Group,
    Participant,
    Cluster,
    Note,
    Vote,
    Output,
    WorkshopSequence,
    WorkshopEvent,
):
    admin.site.register(workshop_model)
