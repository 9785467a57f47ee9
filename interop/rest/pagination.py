"""Keyset (cursor) pages: constant cost at any depth of a 100,000-hazard register, no COUNT(*)."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import CursorPagination
from rest_framework.response import Response


class IdCursorPagination(CursorPagination):
    ordering = "id"
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 1000

    def get_paginated_response(self, data: Any) -> Response:
        if isinstance(data, dict) and data.get("type") == "FeatureCollection":
            return Response({"type": "FeatureCollection", "features": data["features"],
                             "next": self.get_next_link(), "previous": self.get_previous_link(),
                             "numberReturned": len(data["features"])})  # fmt: skip
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {"type": "object", "properties": {"next": {"type": "string", "nullable": True},
                                                 "previous": {"type": "string", "nullable": True},
                                                 "results": schema, "features": schema}}  # fmt: skip
