// The review map: the hazard as registered now (grey), what the report proposes (orange, dashed
// outline) and the land it releases (green), fitted to all three. The legend is HTML on the page.
(function (C) {
  const box = document.getElementById("review-map");
  const script = document.getElementById("review-data");
  if (!box || !script || !window.maplibregl) return;
  const data = JSON.parse(script.textContent);
  const pts = [];
  const walk = (c) => (typeof c[0] === "number" ? pts.push(c) : c.forEach(walk));
  ["current", "proposed", "products"].forEach((k) => data[k].features.forEach((f) => walk(f.geometry.coordinates)));
  const options = { center: [0, 20], zoom: 1 };
  if (pts.length) {
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    options.bounds = [[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]];
    options.fitBoundsOptions = { padding: 40, maxZoom: 16 };
  }
  const map = C.createMap(box, options);
  const styles = {
    current: { fill: "#bdbdbd", line: "#616161", dash: [1] },
    proposed: { fill: "#f28e2b", line: "#b35c00", dash: [2, 1] },
    products: { fill: "#59a14f", line: "#2e6b27", dash: [1] },
  };
  map.on("load", () => {
    Object.keys(styles).forEach((k) => {
      const s = styles[k];
      map.addSource(k, { type: "geojson", data: data[k] });
      map.addLayer({ id: k + "-fill", type: "fill", source: k, filter: ["in", ["geometry-type"], ["literal", ["Polygon", "MultiPolygon"]]], paint: { "fill-color": s.fill, "fill-opacity": 0.35 } });
      map.addLayer({ id: k + "-line", type: "line", source: k, filter: ["in", ["geometry-type"], ["literal", ["Polygon", "MultiPolygon"]]], paint: { "line-color": s.line, "line-width": 2, "line-dasharray": s.dash } });
      map.addLayer({ id: k + "-point", type: "circle", source: k, filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 6, "circle-color": s.fill, "circle-stroke-color": s.line, "circle-stroke-width": 2 } });
      map.on("click", k + "-fill", (e) => {
        const label = document.createElement("span");
        label.textContent = e.features[0].properties.label || "";
        new maplibregl.Popup().setLngLat(e.lngLat).setDOMContent(label).addTo(map);
      });
    });
    box.dataset.ready = "true";
  });
})(window.Clearground);
