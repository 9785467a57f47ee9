"""Basemaps (decision 0056): the authority's configured basemaps, offline PMTiles built with tippecanoe, served
with HTTP range requests."""
