"""Pages of the workspaces app: creating a workspace."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontstage import errors, pages
from workspaces import services


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


@login_required
def workspace_new(request: HttpRequest) -> HttpResponse:
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
