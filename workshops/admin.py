from django.contrib import admin

from workshops.models import (
    Activity,
    Cluster,
    Group,
    Note,
    Output,
    Participant,
    Vote,
    VoteKey,
    VotingRound,
    Workshop,
    WorkshopEvent,
    WorkshopSequence,
)


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
    VotingRound,
    VoteKey,
    Output,
    WorkshopSequence,
    WorkshopEvent,
):
    admin.site.register(workshop_model)
