"""The error answers of every operation, added to the OpenAPI document in one place (decision 0030).

drf-spectacular documents only the success status of most operations; the API also answers with the
errors of clearground/api/errors.py, each with one body: {"detail": text, "errors": [{field, message}]}.
Which errors an operation can give follows from what it takes, so a rule per status says which
operations get it; a status an operation already documents is left as it is. Extensions here correct
what drf-spectacular's own get wrong; CleargroundConfig.ready() imports this module to register them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.contrib.rest_framework_gis import GeoFeatureModelSerializerExtension

ERROR_COMPONENT = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error of the API: what went wrong, and each problem with the field it concerns.",
    "required": ["detail", "errors"],
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait before trying again"}}

Operation = dict[str, Any]
WRITES = {"post", "put", "patch", "delete"}


def _signed_in_only(method: str, operation: Operation) -> bool:
    # drf-spectacular lists `{}` among the security requirements of an operation anyone may call.
    security = operation.get("security", [])
    return bool(security) and {} not in security


def _takes_a_body(method: str, operation: Operation) -> bool:
    return "requestBody" in operation


def _writes(method: str, operation: Operation) -> bool:
    return method in WRITES


def _checks_a_version(method: str, operation: Operation) -> bool:
    headers = [p for p in operation.get("parameters", []) if p.get("in") == "header"]
    return any(p.get("name", "").lower() == "if-match" for p in headers)


def _requires_a_version(method: str, operation: Operation) -> bool:
    # Only an edit (PATCH) must name its version; workflow steps honour If-Match but do not require it (0027).
    return method == "patch" and _checks_a_version(method, operation)


def _always(method: str, operation: Operation) -> bool:
    return True


# status → (when an operation can answer it, what it means)
ERRORS: dict[int, tuple[Callable[[str, Operation], bool], str]] = {
    400: (_always, "The request has problems (a query parameter, the body, or its syntax); nothing was changed."),
    403: (_signed_in_only, "Not signed in, or the caller's role may not do this."),
    404: (_always, "Not found, or not visible to the caller: the two are deliberately indistinguishable."),
    406: (_always, "None of the media types in the Accept header can be produced."),
    409: (_writes, "The action does not fit the record's current state; nothing was changed."),
    412: (_checks_a_version, "The If-Match version is not the record's current one; nothing was changed."),
    413: (_takes_a_body, "The upload is over the size limit; nothing was stored."),
    415: (_takes_a_body, "The body's media type is not one the operation takes."),
    428: (_requires_a_version, "The edit needs the version read: an If-Match header or `version` in the body."),
    503: (_always, "The database is not reachable; try again after Retry-After seconds."),
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: document the error answers of every operation (see the module docstring)."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    body = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, (applies, meaning) in ERRORS.items():
                if str(status) in responses or not applies(method, operation):
                    continue
                responses[str(status)] = {"description": meaning, "content": body}
                if status == 503:
                    responses[str(status)]["headers"] = RETRY_AFTER
    return result


#: The components whose `payload` is a report's payload as written, and the kinds it may be (None: any).
#: Read-back payloads are left free: they hide personal data behind a marker (accounts/personal.py).
PAYLOAD_WRITERS: dict[str, tuple[str, ...] | None] = {
    "ReportCreate": None,
    "PatchedReportUpdate": None,
    "QualityReport": ("qa_visit", "qc_inspection"),  # POST /api/v1/qa-visits/ and /qc-inspections/
}


def add_report_payloads(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: one component per report kind's payload, from its declared fields.

    reports/schema.py derives each from the kind's declaration (decision 0042); a report's `payload`
    is the one its `kind` names.
    """
    from reports.kinds import KINDS
    from reports.schema import component_name, payload_schema

    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for code, spec in KINDS.items():
        schemas[component_name(code)] = payload_schema(spec)
    for name, kinds in PAYLOAD_WRITERS.items():
        properties = schemas.get(name, {}).get("properties", {})
        if "payload" in properties:
            refs = [{"$ref": f"#/components/schemas/{component_name(k)}"} for k in (kinds or KINDS)]
            properties["payload"] = {"anyOf": refs, "description": "The payload of the report's kind."}
    return result


class NullableGeometry(GeoFeatureModelSerializerExtension):  # type: ignore[no-untyped-call]  # drf-spectacular: untyped
    """A GeoJSON feature whose geometry column may be NULL says so ({"geometry": null} is valid GeoJSON).

    drf-spectacular's own extension (which this one replaces) ignores the column's nullability.
    """

    priority = 1

    def map_geo_feature_model_serializer(self, serializer: Any, base_schema: dict[str, Any]) -> dict[str, Any]:
        """The feature's schema, its geometry nullable when the model's geometry column is."""
        schema: dict[str, Any] = super().map_geo_feature_model_serializer(serializer, base_schema)  # type: ignore[no-untyped-call]  # drf-spectacular: untyped
        try:
            column = serializer.Meta.model._meta.get_field(serializer.Meta.geo_field)
        except FieldDoesNotExist:  # a computed geometry: its serializer field says what it may be
            return schema
        if column.null:
            schema["properties"]["geometry"]["nullable"] = True
        return schema
