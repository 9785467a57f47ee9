// The hazard page's small map: the hazard and its products from the embedded GeoJSON, in the map's symbology.
(function (C) {
  const data = JSON.parse(document.getElementById("hazard-geojson").textContent);
  const b = data.bbox;
  const map = C.createMap(document.getElementById("hazard-map"), {
    bounds: [[b[0], b[1]], [b[2], b[3]]], fitBoundsOptions: { padding: 30, maxZoom: 18 },
  });
  window.cgMap = map;
  map.on("load", () => {
    C.addPatterns(map);
    const hazard = { type: "FeatureCollection", features: data.features.filter((f) => f.properties.role === "hazard") };
    const products = { type: "FeatureCollection", features: data.features.filter((f) => f.properties.role === "product") };
    map.addSource("hazard", { type: "geojson", data: hazard });
    map.addSource("products", { type: "geojson", data: products });
    C.hazardFillLayers("hazard").forEach((l) => map.addLayer(l));
    C.productLayers("products").forEach((l) => map.addLayer(l));
    C.hazardOutlineLayers("hazard").forEach((l) => map.addLayer(l));
    map.once("idle", () => { window.cgMapReady = true; });
  });
})(window.Clearground);
