"""Pages of the workspaces app: creating a workspace, its members and invitations."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontstage import errors, pages
from workspaces import access, services
from workspaces.models import Invitation, Role, Workspace


class WorkspaceForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    client = forms.CharField(label=gettext_lazy("Client"), max_length=120, required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, label_suffix="", **kwargs)  # type: ignore[arg-type]


class InvitationForm(forms.Form):
    invitee = forms.CharField(
        label=gettext_lazy("Username or e-mail address"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=Role.choices, initial=Role.PARTICIPANT
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, label_suffix="", **kwargs)  # type: ignore[arg-type]


@login_required
def workspace_new(request: HttpRequest) -> HttpResponse:
    if not access.may_create_workspace(request.user):
        raise errors.Forbidden(services.NOT_A_CREATOR)
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_create(user=request.user, **form.cleaned_data)
        except errors.Invalid as error:
            pages.form_error(form, error)
        else:
            messages.success(
                request,
                _("Workspace “%(name)s” created: you facilitate it.") % {"name": workspace.name},
            )
            return redirect("home")
    status = 400 if form.errors else 200
    return render(request, "workspaces/new.html", {"form": form}, status=status)


@login_required
def workspace_members(request: HttpRequest, workspace_id: int) -> HttpResponse:
    """Who is in the workspace; facilitators invite people and withdraw invitations."""
    workspace = Workspace.objects.visible_one(request.user, workspace_id)
    manages = access.can_manage(request.user, workspace.pk)
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and "withdraw" in request.POST:
        services.invitation_revoke(
            workspace=workspace, by=request.user, invitation_id=_id(request.POST["withdraw"])
        )
        messages.success(request, _("Invitation withdrawn."))
        return redirect("workspace-members", workspace.pk)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                workspace=workspace, by=request.user, **form.cleaned_data
            )
        except errors.Invalid as error:
            pages.form_error(form, error)
        else:
            messages.success(
                request,
                _("%(invitee)s is invited. Send them the invitation's link below.")
                % {"invitee": invitation.invitee},
            )
            return redirect("workspace-members", workspace.pk)
    memberships = workspace.memberships.select_related("user").order_by("user__username")
    invitations = [
        (i, request.build_absolute_uri(reverse("invitation", args=[i.token])))
        for i in (workspace.invitations.all() if manages else Invitation.objects.none())
    ]
    context = {
        "workspace": workspace,
        "memberships": memberships,
        "invitations": invitations,
        "manages": manages,
        "form": form,
    }
    return render(request, "workspaces/members.html", context, status=400 if form.errors else 200)


@login_required
def invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee's answer to an invitation: the same 404 for a wrong link and for an
    invitation naming someone else."""
    invitation = services.invitation_for(user=request.user, token=token)
    if request.method == "POST" and request.POST.get("answer") == "accept":
        services.invitation_accept(user=request.user, token=token)
        messages.success(
            request,
            _("You are now a member of “%(name)s”.") % {"name": invitation.workspace.name},
        )
        return redirect("home")
    if request.method == "POST" and request.POST.get("answer") == "decline":
        services.invitation_decline(user=request.user, token=token)
        messages.success(request, _("Invitation declined."))
        return redirect("home")
    return render(request, "workspaces/invitation.html", {"invitation": invitation})


def _id(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise errors.NotFound() from None
