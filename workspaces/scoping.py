"""The API's scoping over the access rules: serializers whose foreign ids reach only the
principal's workspaces, and the viewset whose every read and write asks workspaces.access."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.request import Request

from frontstage.api import ID_PATTERN, IdField, query_id
from workspaces import access
from workspaces.models import visible


def scope_related_fields(serializer: serializers.Serializer) -> None:
    """Limit every writable foreign key of `serializer` to what its principal may read."""
    principal = getattr(serializer.context.get("request"), "user", None)
    for field in serializer.fields.values():
        related = getattr(field, "child_relation", field)
        if field.read_only or getattr(related, "queryset", None) is None:
            continue
        related.queryset = visible(related.queryset, principal)


class SignedInOrGuest(permissions.BasePermission):
    """Signed-in people; guests only where a viewset serves the live editor, never a list."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if user is not None and user.is_authenticated:
            return True
        return (
            getattr(view, "serves_guests", False)
            and getattr(view, "action", None) != "list"
            and access.is_guest(user)
        )


class ScopedSerializer(serializers.ModelSerializer):
    """Foreign keys only accept objects the request's principal may read (`visible`): an id
    of another workspace looks exactly like an id that does not exist.

    Fields listed in `fixed` cannot change after creation.
    """

    serializer_related_field = IdField
    fixed: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_related_fields(self)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            for name in self.fixed:
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError({name: [_("This cannot be changed.")]})
        return attrs

    def unsaved_instance(self) -> models.Model:
        model = self.Meta.model
        concrete = {f.name for f in model._meta.concrete_fields}
        return model(**{k: v for k, v in self.validated_data.items() if k in concrete})


class ScopedGenericViewSet(viewsets.GenericViewSet):
    """A viewset whose objects are those the request's principal may read (`visible`).

    `filters` maps query parameters to lookups. Every write asks `access.can_write`, the single
    place of the rules. Guests (workshop guests, see workspaces/access.py) are served only by
    viewsets that say so (`serves_guests`: the live editor's), and never a list.
    """

    filters: dict[str, str] = {}
    lookup_value_regex = ID_PATTERN
    permission_classes = [SignedInOrGuest]
    serves_guests = False

    def base_queryset(self) -> models.QuerySet:
        return self.queryset.all()

    def get_queryset(self) -> models.QuerySet:
        user = self.request.user
        if access.is_guest(user) and not self.serves_guests:
            return self.queryset.none()
        queryset = visible(self.base_queryset(), user)
        if self.action == "list":
            for param, lookup in self.filters.items():
                value = query_id(self.request, param)
                if value is not None:
                    queryset = queryset.filter(**{lookup: value})
        return queryset

    def check_write(self, obj: Any, action: access.Action) -> None:
        if not access.can_write(self.request.user, obj, action):
            raise exceptions.PermissionDenied(access.write_refusal(self.request.user, obj))

    def check_object_permissions(self, request: Request, obj: Any) -> None:
        super().check_object_permissions(request, obj)
        if request.method == "DELETE":
            self.check_write(obj, "delete")
        elif request.method not in ("GET", "HEAD", "OPTIONS"):
            self.check_write(obj, "update")


class ScopedViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    ScopedGenericViewSet,
):
    """A scoped viewset with every operation of a `ModelViewSet`; others pick their mixins
    over `ScopedGenericViewSet`."""

    def perform_create(self, serializer: serializers.ModelSerializer) -> None:
        self.check_write(serializer.unsaved_instance(), "create")
        serializer.save()
