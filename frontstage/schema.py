"""The OpenAPI schema documents every answer the API gives, errors included.

drf-spectacular documents only the success of each operation; clients (and the contract test
`tests/test_api_schema.py`) need the errors too: 400 with field messages, 401/403/404 for
access, 409 for stale versions and conflicts, 413 for oversized bodies, 415 for a body in a
format the API does not read. List filters (`?workspace=`, `?blueprint=` …) are documented too.
"""

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers

from frontstage.api import MAX_ID

BODY_METHODS = ("POST", "PUT", "PATCH")
DESCRIPTIONS = {
    "400": "Bad input: messages by field.",
    "401": "Not logged in (no or an invalid token or session).",
    "403": "Logged in, but not allowed to do this.",
    "404": "No such object, or not one of your workspaces.",
    "409": "A stale `version` (the current object is under `current`), or a conflict.",
    "413": "The request body is too large.",
    "415": "The body is in a format the API does not read.",
    "429": "Too many failed sign-ins: wait (`Retry-After`) before trying again.",
}
THROTTLED = ("/api/v1/auth/token/",)  # frontstage/throttle.py


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for people.")


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = serializers.DictField(
        required=False, help_text="The object as it is now, for a stale `version`."
    )


FIELD_ERRORS = ResolvedComponent(
    name="FieldErrors",
    type=ResolvedComponent.SCHEMA,
    object="FieldErrors",
    schema={
        "type": "object",
        "description": "Field name → list of messages (`non_field_errors` for the whole "
        "object, `detail` for a request that could not be read).",
        "additionalProperties": {},
    },
)


class AutoSchema(openapi.AutoSchema):
    def _requires_login(self) -> bool:
        checks = self.view.get_permissions()
        return bool(checks) and not all(isinstance(p, permissions.AllowAny) for p in checks)

    def _error_codes(self) -> dict[str, Any]:
        self.registry.register_on_missing(FIELD_ERRORS)
        writes = self.method in BODY_METHODS or self.method == "DELETE"
        lookup = "{" in self.path
        listing = not lookup and self.method == "GET" and self._is_list_view()
        codes: dict[str, Any] = {}
        if self.method in BODY_METHODS or listing:
            codes["400"] = FIELD_ERRORS.ref
        if self._requires_login():
            codes["401"] = ErrorSerializer
            if writes:
                codes["403"] = ErrorSerializer
        if lookup or listing:
            codes["404"] = ErrorSerializer  # also a page past the end
        if writes and self._requires_login():
            codes["409"] = ConflictSerializer
        if self.method in BODY_METHODS:
            codes["413"] = ErrorSerializer
            codes["415"] = ErrorSerializer
        if self.path in THROTTLED:
            codes["429"] = ErrorSerializer
        return codes

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, body in self._error_codes().items():
            if code not in responses:
                described = OpenApiResponse(body, description=DESCRIPTIONS[code])
                responses[code] = self._get_response_for_code(described, code, direction=direction)
        return responses

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if getattr(self.view, "action", None) == "list":
            for name in getattr(self.view, "filters", {}):
                parameters.append(
                    OpenApiParameter(
                        name,
                        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                        description=f"Only those of this {name} (an id).",
                    )
                )
        return parameters
