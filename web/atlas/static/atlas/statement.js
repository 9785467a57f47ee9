// The parcel statement's form page (decision 0061): a click on the map fills in the forms, which work without
// it. "The point" sets lon/lat; "the parcel's corners" adds corners to a polygon written into the GeoJSON box.
// The map shows country outlines and, only when the authority publishes them, the hazard warnings.
(function (C) {
  const cfg = JSON.parse(document.getElementById("statement-config").textContent);
  const map = C.createMap("statement-map", { bounds: cfg.bounds, fitBoundsOptions: { padding: 20 } });
  window.cgStatementMap = map;
  const empty = () => ({ type: "FeatureCollection", features: [] });
  map.on("load", () => {
    if (cfg.warnings) {
      map.addSource("warnings", { type: "vector", tiles: [cfg.warnings], maxzoom: 16 });
      map.addLayer({ id: "warnings", type: "fill", source: "warnings", "source-layer": "hazard_warnings",
        paint: { "fill-color": "#d7301f", "fill-opacity": 0.4 } });
    }
    map.addSource("drawn", { type: "geojson", data: empty() });
    map.addLayer({ id: "drawn-fill", type: "fill", source: "drawn", filter: ["==", ["geometry-type"], "Polygon"],
      paint: { "fill-color": "#1f6fb2", "fill-opacity": 0.25 } });
    map.addLayer({ id: "drawn-points", type: "circle", source: "drawn", filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-radius": 5, "circle-color": "#fff", "circle-stroke-color": "#0b3d66", "circle-stroke-width": 2 } });
    window.cgStatementMapReady = true;
  });

  const lon = document.getElementById("lon");
  const lat = document.getElementById("lat");
  const geojson = document.getElementById("geojson");
  let mode = "point";
  let corners = [];

  function redraw() {
    const features = corners.map((p) => ({ type: "Feature", geometry: { type: "Point", coordinates: p }, properties: {} }));
    if (mode === "point" && lon.value && lat.value) {
      features.push({ type: "Feature", geometry: { type: "Point", coordinates: [Number(lon.value), Number(lat.value)] }, properties: {} });
    }
    if (corners.length > 2) {
      const ring = corners.concat([corners[0]]);
      features.push({ type: "Feature", geometry: { type: "Polygon", coordinates: [ring] }, properties: {} });
      geojson.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    }
    const source = map.getSource("drawn");
    if (source) source.setData({ type: "FeatureCollection", features: features });
  }

  document.querySelectorAll("#statement-tools [data-draw]").forEach((button) => {
    button.addEventListener("click", () => {
      if (button.dataset.draw === "clear") { corners = []; geojson.value = ""; redraw(); return; }
      mode = button.dataset.draw;
      document.querySelectorAll("#statement-tools [data-draw]").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
      redraw();
    });
  });
  map.on("click", (e) => {
    const at = e.lngLat.wrap();
    const position = [Number(at.lng.toFixed(6)), Number(at.lat.toFixed(6))];
    if (mode === "point") { lon.value = position[0]; lat.value = position[1]; } else corners.push(position);
    redraw();
  });
})(window.Clearground);
