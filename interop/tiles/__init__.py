"""Mapbox vector tiles of the publish views (decision 0019): one SQL statement per tile."""
