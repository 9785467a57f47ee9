// The task page's map: the tasked hazard's polygon (or the task's own area or point) from the embedded GeoJSON,
// in the map's symbology, over the offline basemap the shell's map sets up (shell/map.js).
(function (C) {
  const data = JSON.parse(document.getElementById("task-geojson").textContent);
  const b = data.bbox;
  const map = C.createMap(document.getElementById("task-map"), {
    bounds: [[b[0], b[1]], [b[2], b[3]]], fitBoundsOptions: { padding: 30, maxZoom: 17 },
  });
  window.cgMap = map;
  map.on("load", () => {
    C.addPatterns(map);
    map.addSource("task", { type: "geojson", data: data });
    C.hazardFillLayers("task").forEach((l) => map.addLayer(l));
    C.hazardOutlineLayers("task").forEach((l) => map.addLayer(l));
    map.addLayer({ id: "task-point", type: "circle", source: "task", filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-radius": 7, "circle-color": "#c62828", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
    map.once("idle", () => { window.cgMapReady = true; });
  });
})(window.Clearground);
