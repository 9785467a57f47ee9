"""`clearground import`: partner files (GeoPackage, shapefile, KML/KMZ, GeoJSON, FlatGeobuf, CSV, XLSX) entered
through the report pipeline, every row accounted for. The contract is service.py; decision 0014."""
