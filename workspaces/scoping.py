"""The API's scoping over the access rules: serializers whose foreign ids reach only the
principal's workspaces, and the viewset whose every read and write asks workspaces.access."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.request import Request

from frontstage.api import ID_PATTERN, IdField, query_id
from workspaces import access


class SignedInOrGuest(permissions.BasePermission):
    """Signed-in people; guests only where a viewset serves the live editor, never a list."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if user is not None and user.is_authenticated:
            return True
        return (
            getattr(view, "guest_lookup", None) is not None
            and getattr(view, "action", None) != "list"
            and access.is_guest(user)
        )


def scope_to_user(queryset: models.QuerySet, user: Any, path: str) -> models.QuerySet:
    """Objects a foreign key may name: of the user's workspaces, or a guest's blueprint."""
    if access.is_guest(user):
        return access.guest_scope(queryset, user)
    if user is None or not user.is_authenticated:
        return queryset.none()
    return queryset.filter(**{f"{path}__user": user})


class ScopedSerializer(serializers.ModelSerializer):
    """Foreign keys only accept objects of the request user's workspaces.

    `scoped` maps a field to the path from its model to the workspace memberships.
    Fields listed in `fixed` cannot change after creation.
    """

    serializer_related_field = IdField
    scoped: dict[str, str] = {}
    fixed: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for name, path in self.scoped.items():
            field = self.fields.get(name)
            if field is None or field.read_only:
                continue
            field.queryset = scope_to_user(field.queryset, user, path)

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


class ScopedViewSet(viewsets.ModelViewSet):
    """A viewset whose objects are limited to the request user's workspaces.

    `memberships` is the path from the model to its workspace's memberships; `filters` maps
    query parameters to lookups. Every write asks `access.can_write`, the single place of the rules.
    """

    memberships: str = "workspace__memberships"
    filters: dict[str, str] = {}
    lookup_value_regex = ID_PATTERN
    permission_classes = [SignedInOrGuest]
    # The path from the model to its blueprint's id, on viewsets that serve the live editor
    # to guests (see access.py); None: guests get nothing here.
    guest_lookup: str | None = None

    def base_queryset(self) -> models.QuerySet:
        return self.queryset.all()

    def get_queryset(self) -> models.QuerySet:
        user = self.request.user
        queryset = self.base_queryset()
        if access.is_guest(user) and self.guest_lookup is not None:
            return queryset.filter(**{f"{self.guest_lookup}__in": access.guest_blueprints(user)})
        if not user.is_authenticated:
            return queryset.none()
        queryset = queryset.filter(**{f"{self.memberships}__user": user})
        if self.action == "list":
            for param, lookup in self.filters.items():
                value = query_id(self.request, param)
                if value is not None:
                    queryset = queryset.filter(**{lookup: value})
        return queryset

    def check_write(self, obj: Any, action: access.Action) -> None:
        if not access.can_write(self.request.user, obj, action):
            raise exceptions.PermissionDenied(access.write_refusal(self.request.user, obj))

    def perform_create(self, serializer: serializers.ModelSerializer) -> None:
        self.check_write(serializer.unsaved_instance(), "create")
        serializer.save()

    def check_object_permissions(self, request: Request, obj: Any) -> None:
        super().check_object_permissions(request, obj)
        if request.method == "DELETE":
            self.check_write(obj, "delete")
        elif request.method not in ("GET", "HEAD", "OPTIONS"):
            self.check_write(obj, "update")
