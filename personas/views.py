"""Pages of the personas app: personas and their protocols, the taxonomy, imports, charts.

Members read every page; facilitators also get the forms (`access.can_manage`). Forms post
back to plain URLs, so every page works without script; scripts only follow progress.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from blueprints import services as blueprint_services
from blueprints.models import Blueprint, Channel, Step
from frontstage import errors, pages
from personas import evidence, page_parts, pictures, runs, services, tabular
from personas.models import (
    K_MAX,
    K_MIN,
    LIST_FIELDS,
    QUOTE_MAX,
    TEXT_MAX,
    ContactImport,
    ContactReason,
    ImportStatus,
    Persona,
    Segmentation,
    ServiceProtocol,
)
from workspaces import access
from workspaces.models import Workspace

MAX_CHART_ROWS = 15


def _require_manager(request: HttpRequest, workspace_id: int) -> None:
    if not access.can_manage(request.user, workspace_id):
        raise PermissionDenied(_("Only facilitators change this."))


# --- personas ------------------------------------------------------------------------------


class ListField(forms.CharField):
    """One item per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value) or ""
        return [" ".join(line.split())[:300] for line in text.splitlines() if line.strip()][:20]

    def prepare_value(self, value: Any) -> str:
        return "\n".join(value) if isinstance(value, list) else (value or "")


def step_label(step: Step) -> str:
    """A step among all the workspace's: its blueprint says which one it is."""
    return f"{step.blueprint.display_title} — {step.title}"


class PersonaForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    quote = forms.CharField(
        label=gettext_lazy("Quote"),
        max_length=QUOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    gender = forms.CharField(label=gettext_lazy("Gender"), max_length=TEXT_MAX, required=False)
    age = forms.CharField(label=gettext_lazy("Age"), max_length=TEXT_MAX, required=False)
    residence = forms.CharField(
        label=gettext_lazy("Residence"), max_length=TEXT_MAX, required=False
    )
    birthplace = forms.CharField(
        label=gettext_lazy("Birthplace"), max_length=TEXT_MAX, required=False
    )
    needs = ListField(label=gettext_lazy("Needs"), required=False)
    habits = ListField(label=gettext_lazy("Habits"), required=False)
    desires = ListField(label=gettext_lazy("Desires"), required=False)
    frustrations = ListField(label=gettext_lazy("Frustrations"), required=False)
    preferred_channels = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Preferred channels"),
        queryset=Channel.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    blueprints = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Blueprints"),
        queryset=Blueprint.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    steps = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Steps"),
        queryset=Step.objects.none(),
        required=False,
        widget=forms.SelectMultiple(
            attrs={"size": 8, "data-searchable": gettext_lazy("Find a step")}
        ),
    )
    picture = forms.FileField(label=gettext_lazy("Picture"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["preferred_channels"].queryset = Channel.objects.filter(workspace=workspace)
        self.fields["blueprints"].queryset = Blueprint.objects.filter(workspace=workspace)
        self.fields["steps"].queryset = (
            Step.objects.filter(blueprint__workspace=workspace)
            .select_related("blueprint")
            .order_by("blueprint__title", "id")
        )
        self.fields["steps"].label_from_instance = step_label
        self.fields["steps"].label_from_instance = lambda s: (
            f"{s.blueprint.display_title} — {s.title}"
        )

    def clean_picture(self) -> Any:
        from personas.api import NOT_A_PICTURE, PICTURE_MAGIC, PICTURE_MAX_BYTES, PICTURE_TOO_BIG

        file = self.cleaned_data.get("picture")
        if not file:
            return None
        if file.size > PICTURE_MAX_BYTES:
            raise ValidationError(PICTURE_TOO_BIG)
        head = file.read(16)
        file.seek(0)
        webp = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
        if not webp and not any(head.startswith(magic) for magic in PICTURE_MAGIC):
            raise ValidationError(NOT_A_PICTURE)
        return file


def persona_initial(persona: Persona) -> dict[str, Any]:
    initial = {
        name: getattr(persona, name)
        for name in ("name", "quote", "gender", "age", "residence", "birthplace", *LIST_FIELDS)
    }
    initial["preferred_channels"] = list(persona.preferred_channels.all())
    initial["blueprints"] = list(persona.blueprints.all())
    initial["steps"] = list(persona.steps.all())
    initial["version"] = persona.version
    return initial


class ProtocolForm(forms.Form):
    """The fields of a protocol; what combinations are allowed is services.protocol_check."""

    contact_reason = forms.ModelChoiceField(
        label=gettext_lazy("Contact reason"), queryset=ContactReason.objects.none(), required=False
    )
    channel = forms.ModelChoiceField(
        label=gettext_lazy("Channel"), queryset=Channel.objects.none(), required=False
    )
    tone = forms.CharField(label=gettext_lazy("Tone"), max_length=TEXT_MAX, required=False)
    preferred_channel = forms.ModelChoiceField(
        label=gettext_lazy("Preferred channel"), queryset=Channel.objects.none(), required=False
    )
    target_response_minutes = forms.IntegerField(
        label=gettext_lazy("Target response time (minutes)"),
        min_value=0,
        max_value=60 * 24 * 365,
        required=False,
    )
    script = forms.CharField(
        label=gettext_lazy("Script"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        persona: Persona,
        instance: ServiceProtocol | None = None,
        **kwargs: Any,
    ) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {name: getattr(instance, name) for name in PROTOCOL_FIELDS},
            )
        super().__init__(*args, label_suffix="", **kwargs)
        self.persona = persona
        self.instance = instance
        reasons = ContactReason.objects.filter(workspace=persona.workspace_id)
        self.fields["contact_reason"].queryset = reasons.select_related("parent").order_by(
            "parent__name", "name"
        )
        self.fields["contact_reason"].label_from_instance = lambda r: (
            f"{r.parent.name} › {r.name}" if r.parent_id else r.name
        )
        channels = Channel.objects.filter(workspace=persona.workspace_id)
        self.fields["channel"].queryset = channels
        self.fields["preferred_channel"].queryset = channels


PROTOCOL_FIELDS = (
    "contact_reason", "channel", "tone", "preferred_channel", "target_response_minutes", "script"
)  # fmt: skip


def persona_context(persona: Persona, can_edit: bool, form: Any = None) -> dict[str, Any]:
    protocols = persona.protocols.select_related(
        "contact_reason__parent", "channel", "preferred_channel"
    )
    return {
        "persona": persona,
        "workspace": persona.workspace,
        "can_edit": can_edit,
        "evidence": evidence.by_attribute(persona.evidence),
        "bias_notes": evidence.bias_notes(persona.evidence),
        "facts": persona.evidence,
        "protocols": [
            (p, ProtocolForm(instance=p, persona=persona, prefix=f"p{p.pk}") if can_edit else None)
            for p in protocols
        ],
        "new_protocol": ProtocolForm(persona=persona, prefix="new") if can_edit else None,
        "form": form
        or (
            PersonaForm(initial=persona_initial(persona), workspace=persona.workspace)
            if can_edit
            else None
        ),
        "preferred_channels": list(persona.preferred_channels.all()),
        "blueprints": list(persona.blueprints.all()),
        "steps": list(persona.steps.select_related("blueprint")),
        "parts": page_parts.persona_parts(persona),
    }


@login_required
def persona_page(request: HttpRequest, persona_id: int) -> HttpResponse:
    persona = Persona.objects.select_related("workspace", "segment").visible_one(
        request.user, persona_id
    )
    can_edit = access.can_manage(request.user, persona.workspace_id)
    if request.method != "POST":
        return render(request, "personas/persona.html", persona_context(persona, can_edit))
    _require_manager(request, persona.workspace_id)
    if request.POST.get("action") == "reword":
        services.persona_reword(persona=persona)
        messages.success(request, _("The drafted sentences are worded in your language now."))
        return redirect("persona", persona_id=persona.pk)
    form = PersonaForm(request.POST, request.FILES, workspace=persona.workspace)
    if not form.is_valid():
        context = persona_context(persona, can_edit, form)
        return render(request, "personas/persona.html", context, status=400)
    changes = dict(form.cleaned_data)
    version, picture = changes.pop("version"), changes.pop("picture")
    try:
        services.persona_update(persona=persona, changes=changes, version=version)
    except errors.DomainError as error:
        return pages.error_answer(
            request, error, lambda: redirect("persona", persona_id=persona.pk)
        )
    if picture:
        services.persona_set_picture(persona=persona, picture=picture)
    elif request.POST.get("remove_picture"):
        services.persona_set_picture(persona=persona, picture=None)
    messages.success(request, _("Persona saved."))
    return redirect("persona", persona_id=persona.pk)


@login_required
def persona_picture(request: HttpRequest, persona_id: int) -> FileResponse:
    persona = Persona.objects.select_related("workspace", "segment").visible_one(
        request.user, persona_id
    )
    kind = pictures.content_type(persona.picture.name) if persona.picture else None
    if kind is None:
        raise Http404("No picture")
    response = FileResponse(persona.picture.open("rb"), content_type=kind)
    response["Cache-Control"] = "private, max-age=60"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def protocol_add(request: HttpRequest, persona_id: int) -> HttpResponse:
    persona = Persona.objects.select_related("workspace", "segment").visible_one(
        request.user, persona_id
    )
    _require_manager(request, persona.workspace_id)
    form = ProtocolForm(request.POST, persona=persona, prefix="new")
    if form.is_valid():
        try:
            services.protocol_create(persona=persona, changes=form.cleaned_data)
        except errors.Invalid as error:
            pages.form_error(form, error)
    if not form.is_valid():
        context = persona_context(persona, True)
        context["new_protocol"] = form
        return render(request, "personas/persona.html", context, status=400)
    messages.success(request, _("Protocol added."))
    return redirect("persona", persona_id=persona.pk)


@login_required
@require_POST
def protocol_edit(request: HttpRequest, protocol_id: int) -> HttpResponse:
    protocol = ServiceProtocol.objects.select_related("persona__workspace").filter(pk=protocol_id)
    protocol = protocol.first()
    if protocol is None or not access.can_read(request.user, protocol):
        raise Http404("No such protocol")
    persona = protocol.persona
    _require_manager(request, persona.workspace_id)
    if request.POST.get("delete"):
        services.protocol_delete(protocol=protocol)
        messages.success(request, _("Protocol deleted."))
        return redirect("persona", persona_id=persona.pk)
    form = ProtocolForm(request.POST, instance=protocol, persona=persona, prefix=f"p{protocol.pk}")
    if form.is_valid():
        try:
            services.protocol_update(protocol=protocol, changes=form.cleaned_data)
        except errors.Invalid as error:
            pages.form_error(form, error)
    if not form.is_valid():
        context = persona_context(persona, True)
        context["protocols"] = [
            (p, form if p.pk == protocol.pk else f) for p, f in context["protocols"]
        ]
        return render(request, "personas/persona.html", context, status=400)
    messages.success(request, _("Protocol saved."))
    return redirect("persona", persona_id=persona.pk)


class SegmentationForm(forms.Form):
    """A run's parameters and its scope: which contacts it covers."""

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["imports"].queryset = ContactImport.objects.filter(
            workspace=workspace, status=ImportStatus.DONE
        )
        self.fields["imports"].label_from_instance = lambda i: (
            f"{i.file_name} ({number_format(i.rows_imported, 0, force_grouping=True)})"
        )
        self.fields["channels"].queryset = Channel.objects.filter(workspace=workspace)

    imports = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Imports"),
        queryset=ContactImport.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every import."),
    )
    date_from = forms.DateField(
        label=gettext_lazy("Contacts from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=gettext_lazy("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    channels = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Channels"),
        queryset=Channel.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=gettext_lazy("None chosen: every channel."),
    )
    exclude_demo = forms.BooleanField(
        label=gettext_lazy("Leave out the demo contacts (those no import brought)"),
        required=False,
    )

    k = forms.IntegerField(
        label=gettext_lazy("Number of segments"),
        min_value=K_MIN,
        max_value=K_MAX,
        required=False,
        help_text=gettext_lazy("Empty: chosen from 3 to 12 by stability and silhouette."),
    )
    use_demographics = forms.BooleanField(
        label=gettext_lazy("Let gender and age form the segments too"), required=False
    )


@login_required
def personas_index(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace = Workspace.objects.visible_one(request.user, workspace_id)
    can_edit = access.can_manage(request.user, workspace.pk)
    form = SegmentationForm(workspace=workspace)
    back = lambda: redirect("personas", workspace_id=workspace.pk)  # noqa: E731
    if request.method == "POST" and request.POST.get("action") in PERSONA_ACTIONS:
        _require_manager(request, workspace.pk)
        try:
            persona_action(request, workspace)
        except errors.DomainError as error:
            return pages.error_answer(request, error, back)
        return back()
    if request.method == "POST":
        _require_manager(request, workspace.pk)
        form = SegmentationForm(request.POST, workspace=workspace)
        if form.is_valid():
            data = form.cleaned_data
            try:
                scope = services.segmentation_scope(
                    workspace=workspace,
                    imports=list(data["imports"]),
                    date_from=data["date_from"],
                    date_to=data["date_to"],
                    channels=list(data["channels"]),
                    exclude_demo=data["exclude_demo"],
                )
                runs.segmentation_start(
                    workspace=workspace,
                    user=request.user,
                    k=data["k"],
                    use_demographics=data["use_demographics"],
                    scope=scope,
                )
            except errors.Invalid as error:
                pages.form_error(form, error)
            except errors.DomainError as error:
                return pages.error_answer(request, error, back)
            else:
                messages.success(request, _("Segmentation started."))
                return back()
    show_archived = request.GET.get("archived") == "1"
    personas = (
        Persona.objects.filter(workspace=workspace, archived=show_archived)
        .select_related("segment")
        .prefetch_related("preferred_channels", "protocols")
        .order_by("-matched", "segment__number", "name")
    )
    runs.segmentations_reap(workspace_id=workspace.pk)  # a dead worker's run shows failed
    recent = list(Segmentation.objects.filter(workspace=workspace).defer("assignments")[:5])
    contacts = workspace.contacts.visible().count()
    latest = next((run for run in recent if run.status == ImportStatus.DONE), None)
    context = {
        "workspace": workspace,
        "can_edit": can_edit,
        "personas": [
            (persona, evidence.size_summary(persona.evidence) if persona.evidence else "")
            for persona in personas
        ],
        "runs": recent,
        "latest": latest,
        "segments": list(latest.segments.all()) if latest else [],
        "form": form,
        "contacts": contacts,
        "contacts_text": number_format(contacts, 0, force_grouping=True),
        "show_archived": show_archived,
        "archived_count": Persona.objects.filter(workspace=workspace, archived=True).count(),
        "stale_drafts": Persona.objects.filter(
            workspace=workspace, matched=False, edited_fields=[]
        ).count(),
        "latest_scope": scope_text(latest) if latest else "",
    }
    return render(request, "personas/index.html", context, status=400 if form.errors else 200)


PERSONA_ACTIONS = ("archive", "restore", "delete", "delete_stale")


def persona_action(request: HttpRequest, workspace: Workspace) -> None:
    action = request.POST["action"]
    if action == "delete_stale":
        count = services.personas_stale_delete(workspace=workspace)
        messages.success(request, _("%(count)s unused drafts deleted.") % {"count": count})
        return
    persona = Persona.objects.filter(workspace=workspace, pk=_int(request.POST.get("persona")))
    persona = persona.first()
    if persona is None:
        raise errors.NotFound()
    if action == "delete":
        services.persona_delete(persona=persona)
        messages.success(request, _("“%(name)s” deleted.") % {"name": persona.name})
    else:
        services.persona_archive(persona=persona, archived=action == "archive")
        text = _("“%(name)s” archived.") if action == "archive" else _("“%(name)s” restored.")
        messages.success(request, text % {"name": persona.name})


def scope_text(run: Segmentation) -> str:
    """What a run covered, in a line."""
    scope, parts = run.scope or {}, []
    if scope.get("imports"):
        names = ContactImport.objects.filter(pk__in=scope["imports"]).values_list(
            "file_name", flat=True
        )
        parts.append(", ".join(names) or _("deleted imports"))
    if scope.get("date_from") or scope.get("date_to"):
        parts.append(f"{scope.get('date_from', '…')} – {scope.get('date_to', '…')}")
    if scope.get("channels"):
        names = Channel.objects.filter(pk__in=scope["channels"]).values_list("name", flat=True)
        parts.append(", ".join(names))
    if scope.get("exclude_demo"):
        parts.append(_("without demo contacts"))
    return " · ".join(parts) or _("all contacts")


# --- taxonomy ------------------------------------------------------------------------------


@login_required
def taxonomy_page(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace = Workspace.objects.visible_one(request.user, workspace_id)
    can_edit = access.can_manage(request.user, workspace.pk)
    if request.method == "POST":
        _require_manager(request, workspace.pk)
        back = lambda: redirect("taxonomy", workspace_id=workspace.pk)  # noqa: E731
        try:
            taxonomy_action(request, workspace)
        except errors.DomainError as error:
            return pages.error_answer(request, error, back)
        return back()
    nodes = list(
        ContactReason.objects.filter(workspace=workspace)
        .select_related("parent")
        .order_by("name", "id")
    )
    categories = [node for node in nodes if node.parent_id is None]
    children: dict[int, list[ContactReason]] = {}
    for node in nodes:
        if node.parent_id is not None:
            children.setdefault(node.parent_id, []).append(node)
    context = {
        "workspace": workspace,
        "can_edit": can_edit,
        "tree": [(category, children.get(category.pk, [])) for category in categories],
        "categories": categories,
        "nodes": nodes,
        "unreviewed": [node for node in nodes if not node.reviewed],
        "parents": {node.pk: node for node in categories},
    }
    return render(request, "personas/taxonomy.html", context)


def taxonomy_action(request: HttpRequest, workspace: Workspace) -> None:
    """Rename, add, mark reviewed or merge one node, as the form asked; messages say how."""
    action = request.POST.get("action")
    nodes = ContactReason.objects.filter(workspace=workspace)
    node = nodes.filter(pk=_int(request.POST.get("node"))).first()
    name = request.POST.get("name", "")
    if action == "add":
        parent = nodes.filter(pk=_int(request.POST.get("parent")), parent=None).first()
        added = services.contact_reason_create(workspace=workspace, parent=parent, name=name)
        messages.success(request, _("“%(name)s” added.") % {"name": added.name})
    elif node is None:
        raise errors.Invalid(_("Choose a node."))
    elif action == "rename":
        node = services.contact_reason_update(reason=node, changes={"name": name, "reviewed": True})
        messages.success(request, _("Renamed to “%(name)s”.") % {"name": node.name})
    elif action == "review":
        services.contact_reason_update(reason=node, changes={"reviewed": True})
        messages.success(request, _("“%(name)s” marked as reviewed.") % {"name": node.name})
    elif action == "merge":
        into = nodes.filter(pk=_int(request.POST.get("into"))).first()
        if into is None:
            raise errors.Invalid(_("Choose the node to merge into."))
        services.contact_reason_merge(source=node, into=into)
        messages.success(
            request,
            _("“%(source)s” merged into “%(into)s”.") % {"source": node.name, "into": into.name},
        )
    else:
        raise errors.Invalid(_("Unknown action."))


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 19 else None


# --- imports -------------------------------------------------------------------------------


class UploadForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, label_suffix="", **kwargs)

    file = forms.FileField(
        label=gettext_lazy("CRM export (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )


@login_required
def import_upload(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace = Workspace.objects.visible_one(request.user, workspace_id)
    can_edit = access.can_manage(request.user, workspace.pk)
    form = UploadForm()
    if request.method == "POST":
        _require_manager(request, workspace.pk)
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                detected = tabular.detect(upload)
            except errors.Invalid as error:
                pages.form_error(form, error)
            else:
                contact_import = services.contact_import_create(
                    workspace=workspace, user=request.user, upload=upload, detected=detected
                )
                return redirect("contact-import", import_id=contact_import.pk)
    imports = workspace.contact_imports.all()[:10]
    context = {"workspace": workspace, "form": form, "can_edit": can_edit, "imports": imports}
    return render(request, "personas/upload.html", context, status=400 if form.errors else 200)


@login_required
def import_page(request: HttpRequest, import_id: int) -> HttpResponse:
    contact_import = ContactImport.objects.select_related("workspace").filter(pk=import_id).first()
    if contact_import is None or not access.can_read(request.user, contact_import):
        raise Http404("No such import")
    if runs.imports_reap(workspace_id=contact_import.workspace_id):
        contact_import.refresh_from_db()
    can_edit = access.can_manage(request.user, contact_import.workspace_id)
    if request.method == "POST" and request.POST.get("action") == "delete":
        _require_manager(request, contact_import.workspace_id)
        workspace_id, name = contact_import.workspace_id, contact_import.file_name
        back = lambda: redirect("contact-import", import_id=contact_import.pk)  # noqa: E731
        try:
            services.contact_import_delete(contact_import=contact_import)
        except errors.DomainError as error:
            return pages.error_answer(request, error, back)
        messages.success(request, _("“%(name)s” and its contacts deleted.") % {"name": name})
        return redirect("contacts-import", workspace_id=workspace_id)
    if request.method == "POST" and request.POST.get("action") == "map":
        _require_manager(request, contact_import.workspace_id)
        back = lambda: redirect("contact-import", import_id=contact_import.pk)  # noqa: E731
        try:
            changed = services.value_map(
                workspace=contact_import.workspace,
                field=request.POST.get("field", ""),
                raw=request.POST.get("raw", ""),
                value=request.POST.get("value", ""),
            )
        except errors.DomainError as error:
            return pages.error_answer(request, error, back)
        messages.success(
            request,
            _("“%(raw)s” mapped for %(count)s contacts and for the next imports.")
            % {"raw": request.POST.get("raw", ""), "count": number_format(changed, 0, True)},
        )
        return back()
    if request.method == "POST" and request.POST.get("action") in ("file", "keep"):
        _require_manager(request, contact_import.workspace_id)
        back = lambda: redirect("contact-import", import_id=contact_import.pk)  # noqa: E731
        try:
            channel_action(request, contact_import.workspace)
        except errors.DomainError as error:
            return pages.error_answer(request, error, back)
        return back()
    if request.method == "POST":
        _require_manager(request, contact_import.workspace_id)
        mapping = {
            name: request.POST.get(f"map_{name}", "")
            for name in tabular.FIELDS
            if request.POST.get(f"map_{name}", "") in contact_import.columns
        }
        back = lambda: redirect("contact-import", import_id=contact_import.pk)  # noqa: E731
        try:
            services.contact_import_update(
                contact_import=contact_import, changes={"mapping": mapping}
            )
            runs.contact_import_start(contact_import=contact_import)
        except errors.DomainError as error:
            return pages.error_answer(request, error, back)
        return back()
    rows = [
        (name, FIELD_LABELS.get(name, name), contact_import.mapping.get(name, ""))
        for name in tabular.FIELDS
    ]
    context = {
        "contact_import": contact_import,
        "workspace": contact_import.workspace,
        "can_edit": can_edit,
        "fields": rows,
        "required": tabular.REQUIRED_FIELDS,
        "editable": can_edit and contact_import.status in ("pending", "failed"),
        "delimiter": DELIMITER_NAMES.get(contact_import.delimiter, contact_import.delimiter),
        "errors": services.import_errors(contact_import, limit=services.ERRORS_SHOWN),
        "errors_hidden": max(contact_import.errors_total - services.ERRORS_SHOWN, 0),
        "unrecognised": [
            (name, FIELD_LABELS[name], contact_import.unrecognised.get(name, {}))
            for name in ("gender", "age", "birth_date")
            if contact_import.unrecognised.get(name)
        ],
        "to_review": services.unrecognised_values(
            workspace=contact_import.workspace, contact_import=contact_import
        ),
        "gender_choices": GENDER_CHOICES,
        "channels_to_review": services.channels_to_review(contact_import=contact_import),
        "channel_names": Channel.objects.filter(
            workspace_id=contact_import.workspace_id
        ).values_list("name", flat=True),
    }
    return render(request, "personas/import.html", context)


GENDER_CHOICES = [
    ("female", gettext_lazy("Female")),
    ("male", gettext_lazy("Male")),
    ("other", gettext_lazy("Other")),
    ("", gettext_lazy("Not said")),
]


@login_required
def import_errors(request: HttpRequest, import_id: int) -> HttpResponse:
    from personas.api import import_errors_response

    contact_import = ContactImport.objects.filter(pk=import_id).first()
    if contact_import is None or not access.can_read(request.user, contact_import):
        raise Http404("No such import")
    return import_errors_response(contact_import)


# --- channels ------------------------------------------------------------------------------


@login_required
def channels_page(request: HttpRequest, workspace_id: int) -> HttpResponse:
    """The channels the contact data uses: those imports added wait for a person to rename,
    merge or keep them."""
    workspace = Workspace.objects.visible_one(request.user, workspace_id)
    can_edit = access.can_manage(request.user, workspace.pk)
    if request.method == "POST":
        _require_manager(request, workspace.pk)
        back = lambda: redirect("channels-review", workspace_id=workspace.pk)  # noqa: E731
        try:
            channel_action(request, workspace)
        except errors.DomainError as error:
            return pages.error_answer(request, error, back)
        return back()
    rows = services.channels_overview(workspace=workspace)
    context = {
        "workspace": workspace,
        "can_edit": can_edit,
        "rows": rows,
        "channels": [row["channel"] for row in rows],
        "unreviewed": sum(not row["reviewed"] for row in rows),
    }
    return render(request, "personas/channels.html", context)


def channel_action(request: HttpRequest, workspace: Workspace) -> None:
    channels = Channel.objects.filter(workspace=workspace)
    channel = channels.filter(pk=_int(request.POST.get("channel"))).first()
    action = request.POST.get("action")
    if action == "add":
        channel = services.channel_create(
            workspace=workspace, name=request.POST.get("name", ""), actor=request.user
        )
        messages.success(request, _("Channel “%(name)s” added.") % {"name": channel.name})
        return
    if channel is None:
        raise errors.Invalid(_("Choose a channel."))
    if action == "rename":
        old = channel.name
        services.channel_rename(
            channel=channel, name=request.POST.get("name", ""), actor=request.user
        )
        messages.success(
            request, _("“%(old)s” renamed to “%(name)s”.") % {"old": old, "name": channel.name}
        )
    elif action == "file":
        name = channel.name
        holder, merged = services.channel_file_under(
            channel=channel, name=request.POST.get("name", ""), actor=request.user
        )
        text = (
            _("“%(raw)s” filed under “%(name)s”; the next imports file it there too.")
            if merged
            else _("“%(raw)s” is now the channel “%(name)s”; the next imports file it there too.")
        )
        messages.success(request, text % {"raw": name, "name": holder.name})
    elif action == "keep":
        services.channel_review(channel=channel)
        messages.success(request, _("“%(name)s” kept as a channel.") % {"name": channel.name})
    elif action == "merge":
        into = channels.filter(pk=_int(request.POST.get("into"))).first()
        if into is None:
            raise errors.Invalid(_("Choose the channel to merge into."))
        name = channel.name
        services.channel_merge(source=channel, into=into, actor=request.user)
        messages.success(
            request, _("“%(source)s” merged into “%(into)s”.") % {"source": name, "into": into.name}
        )
    elif action == "delete":
        name = channel.name
        blueprint_services.channel_delete(channel=channel, actor=request.user)
        messages.success(request, _("Channel “%(name)s” deleted.") % {"name": name})
    else:
        raise errors.Invalid(_("Unknown action."))


# --- protocols grid ------------------------------------------------------------------------


@login_required
def protocols_page(request: HttpRequest, workspace_id: int) -> HttpResponse:
    """Every protocol of the workspace as a grid: personas down, what they are for across
    (a contact reason, a channel, or a reason on a channel)."""
    workspace = Workspace.objects.visible_one(request.user, workspace_id)
    protocols = list(
        ServiceProtocol.objects.filter(workspace=workspace).select_related(
            "persona", "contact_reason__parent", "channel", "preferred_channel"
        )
    )
    targets: dict[tuple[int | None, int | None], str] = {}
    for protocol in protocols:
        key = (protocol.contact_reason_id, protocol.channel_id)
        targets[key] = protocol_target(protocol)
    columns = sorted(targets.items(), key=lambda item: item[1].casefold())
    personas = Persona.objects.filter(workspace=workspace, archived=False).order_by("name")
    cells = {(p.persona_id, p.contact_reason_id, p.channel_id): p for p in protocols}
    grid = [
        (persona, [cells.get((persona.pk, *key)) for key, _label in columns])
        for persona in personas
    ]
    context = {
        "workspace": workspace,
        "columns": [label for _key, label in columns],
        "grid": grid,
        "can_edit": access.can_manage(request.user, workspace.pk),
    }
    return render(request, "personas/protocols.html", context)


def protocol_target(protocol: ServiceProtocol) -> str:
    reason = protocol.contact_reason
    reason_name = ""
    if reason is not None:
        reason_name = f"{reason.parent.name} › {reason.name}" if reason.parent_id else reason.name
    if reason is not None and protocol.channel is not None:
        return _("%(reason)s on %(channel)s") % {
            "reason": reason_name,
            "channel": protocol.channel.name,
        }
    return reason_name or protocol.channel.name


DELIMITER_NAMES = {
    ",": gettext_lazy("comma"),
    ";": gettext_lazy("semicolon"),
    "\t": gettext_lazy("tab"),
}
FIELD_LABELS = {
    "customer_id": gettext_lazy("Customer id"),
    "contact_date": gettext_lazy("Contact date"),
    "category": gettext_lazy("Category"),
    "subcategory": gettext_lazy("Subcategory"),
    "channel": gettext_lazy("Channel"),
    "gender": gettext_lazy("Gender"),
    "age": gettext_lazy("Age"),
    "birth_date": gettext_lazy("Birth date"),
    "residence": gettext_lazy("Residence"),
    "birthplace": gettext_lazy("Birthplace"),
}


# --- explore -------------------------------------------------------------------------------


def bars(
    rows: list[dict[str, Any]], label: str = "name", limit: int | None = None
) -> list[dict[str, Any]]:
    """Rows with a `width` (percent of the largest count) for server-rendered bar charts;
    the first `limit` of them (all when None)."""
    top = max((row["count"] for row in rows), default=0)
    return [
        {**row, "label": row.get(label) or _("(none)"), "width": 100 * row["count"] / top}
        for row in (rows if limit is None else rows[:limit])
        if top
    ]


def chart(key: str, title: Any, rows: list[dict[str, Any]], shown: str) -> dict[str, Any]:
    """A bar chart: its top MAX_CHART_ROWS rows, or all of them when the reader asked
    (`?all=key`); `more` says how many are not shown — never cut silently."""
    every = shown == key
    drawn = bars(rows, limit=None if every else MAX_CHART_ROWS)
    return {
        "key": key,
        "title": title,
        "rows": drawn,
        "more": max(len(rows) - len(drawn), 0),
        "all": every,
        "total": len(rows),
    }


@login_required
def explore_page(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace = Workspace.objects.visible_one(request.user, workspace_id)
    stats = services.contact_stats(workspace=workspace)
    demographics = services.contact_demographics(workspace=workspace)
    for row in demographics["gender"]:
        row["name"] = evidence.label_text("gender", row["name"])
    category_names = {row["id"]: row["name"] for row in stats["by_category"]}
    subcategories = [
        {**row, "name": f"{category_names.get(row['category'], '')} › {row['name']}"}
        for row in stats["by_subcategory"]
    ]
    shown = request.GET.get("all", "")
    context = {
        "workspace": workspace,
        "total_text": number_format(stats["total"], 0, force_grouping=True),
        "charts": [
            chart("category", _("By category"), stats["by_category"], shown),
            chart("subcategory", _("By subcategory"), subcategories, shown),
            chart("channel", _("By channel"), stats["by_channel"], shown),
        ],
        "months": bars(stats["by_month"], label="month"),
        "demographics": [
            chart(name, evidence.DEMOGRAPHIC_NAMES[name], rows, shown)
            for name, rows in demographics.items()
        ],
        "can_edit": access.can_manage(request.user, workspace.pk),
    }
    return render(request, "personas/explore.html", context)
