"""Keyset (cursor) pages: constant cost at any depth of a 100,000-hazard register, no COUNT(*)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from core.errors import Problem, ValidationFailed


class IdCursorPagination(CursorPagination):
    ordering = "id"
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 1000

    def decode_cursor(self, request: Any) -> Any:
        """DRF's cursor, refused (404, as DRF refuses one it cannot decode) unless its position is an id.

        DRF reads any text as a cursor: one without a position answers the first page, and a position
        that is not a number reached the id comparison as text and failed there (a 500).
        """
        cursor = super().decode_cursor(request)
        raw = request.query_params.get(self.cursor_query_param)
        if raw and (cursor is None or (cursor.position is None and not cursor.reverse and not cursor.offset)):
            raise NotFound(self.invalid_cursor_message)
        if cursor is not None and cursor.position is not None and not str(cursor.position).isdigit():
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def get_page_size(self, request: Any) -> int:
        """`?limit=` as a whole number from 1 to max_page_size, or a 400 naming it (DRF ignores a bad one)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit() and 0 < int(raw[:6]) and len(raw) <= 6):
            raise ValidationFailed([Problem("limit", f"must be a whole number from 1 to {self.max_page_size}")])
        return super().get_page_size(request) or self.page_size

    def get_paginated_response(self, data: Any) -> Response:
        if isinstance(data, dict) and data.get("type") == "FeatureCollection":
            return Response({"type": "FeatureCollection", "features": data["features"],
                             "next": self.get_next_link(), "previous": self.get_previous_link(),
                             "numberReturned": len(data["features"])})  # fmt: skip
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        links = {"next": {"type": "string", "nullable": True}, "previous": {"type": "string", "nullable": True}}
        if schema.get("type") == "array":  # plain records: {"next", "previous", "results": [...]}
            return {"type": "object", "required": ["next", "previous", "results"],
                    "properties": {**links, "results": schema}}  # fmt: skip
        # A GeoJSON serializer's list is one FeatureCollection component; the page adds its links to it.
        page = {"type": "object", "required": ["next", "previous", "numberReturned"],
                "properties": {**links, "numberReturned": {"type": "integer"}}}  # fmt: skip
        return {"allOf": [schema, page]}
