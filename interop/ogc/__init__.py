"""OGC API – Features (parts 1, 2 and 3) over the `publish` views: see docs/decisions/0018-ogc-api.md.

`core` answers each endpoint (framework-free apart from the database connection), `queries` holds
the SQL (PostGIS builds the GeoJSON), `params` and `crs` parse the query string, `views` adapts
Django requests to `core`, `openapi` describes it all.
"""
