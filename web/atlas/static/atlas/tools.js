// The map page's tools: the cursor's position in the reader's notation, a place search that jumps the map
// (places, admin areas, or coordinates in any notation, read by the server), and measuring distance and area.
(function (C) {
  const map = window.cgMap;
  if (!map) return;

  // ---- Cursor position, in the notation chosen (remembered on this device).
  const format = document.getElementById("coord-format");
  const output = document.getElementById("cursor-position");
  try { format.value = window.localStorage.getItem("cg-coord-format") || "dd"; } catch (e) { /* private mode */ }
  let last = null;
  function showCursor() {
    if (last) output.textContent = C.formatPosition(last.lng, last.lat, format.value);
  }
  format.addEventListener("change", () => {
    try { window.localStorage.setItem("cg-coord-format", format.value); } catch (e) { /* private mode */ }
    showCursor();
  });
  map.on("mousemove", (e) => { last = e.lngLat.wrap(); showCursor(); });

  // ---- Layers the tools draw: what was found, and what is being measured.
  const empty = () => ({ type: "FeatureCollection", features: [] });
  function init() {
    map.addSource("found", { type: "geojson", data: empty() });
    map.addLayer({ id: "found", type: "circle", source: "found", paint: { "circle-radius": 7, "circle-color": "#f0b400",
      "circle-stroke-color": "#1b1b1b", "circle-stroke-width": 2 } });
    map.addSource("measure", { type: "geojson", data: empty() });
    map.addLayer({ id: "measure-fill", type: "fill", source: "measure", filter: ["==", ["geometry-type"], "Polygon"],
      paint: { "fill-color": "#1f6fb2", "fill-opacity": 0.2 } });
    map.addLayer({ id: "measure-line", type: "line", source: "measure", filter: ["!=", ["geometry-type"], "Point"],
      paint: { "line-color": "#0b3d66", "line-width": 2, "line-dasharray": [2, 1] } });
    map.addLayer({ id: "measure-points", type: "circle", source: "measure", filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-radius": 4, "circle-color": "#fff", "circle-stroke-color": "#0b3d66", "circle-stroke-width": 2 } });
  }
  map.cgStyled.then(init);

  // ---- Place search: a name finds admin areas and GeoNames places; text with digits is tried as coordinates.
  const search = document.getElementById("place-search");
  const input = document.getElementById("place-q");
  const status = document.getElementById("place-status");
  const results = document.getElementById("place-results");

  function mark(point) {
    const source = map.getSource("found");
    if (source) source.setData({ type: "Feature", geometry: { type: "Point", coordinates: point }, properties: {} });
  }

  function jump(place) {
    if (place.bbox) map.fitBounds([[place.bbox[0], place.bbox[1]], [place.bbox[2], place.bbox[3]]], { padding: 40, duration: 0 });
    else map.jumpTo({ center: place.point, zoom: place.zoom || 13 });
    mark(place.point);
    map.getContainer().dataset.jumpedTo = place.name;
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => r.json().then((body) => ({ ok: r.ok, body: body })));
  }

  function listPlaces(q) {
    getJson(search.dataset.searchUrl + "?q=" + encodeURIComponent(q)).then(({ ok, body }) => {
      results.replaceChildren();
      if (!ok) { status.textContent = (body.errors[0] || {}).message || body.detail; results.hidden = true; return; }
      status.textContent = body.results.length ? "" : search.dataset.msgNone;
      body.results.forEach((place) => {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        const where = [place.within, place.country_iso3].filter(Boolean).join(", ");
        button.textContent = place.name + (where ? " — " + where : "");
        button.addEventListener("click", () => { jump(place); results.hidden = true; input.focus(); });
        li.appendChild(button);
        results.appendChild(li);
      });
      results.hidden = !body.results.length;
    });
  }

  search.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    if (!/\d/.test(q)) { listPlaces(q); return; }
    getJson(search.dataset.parseUrl + "?text=" + encodeURIComponent(q)).then(({ ok, body }) => {
      if (ok) {
        results.hidden = true;
        jump({ name: q, point: [body.longitude, body.latitude], zoom: 15 });
        status.textContent = body.written[format.value] || body.written.dd;
      } else if (/[a-z]{3}/i.test(q.replace(/utm|zone|north|south/gi, ""))) {
        listPlaces(q); // "Kharkiv 2" is a name, not a coordinate
      } else {
        results.hidden = true;
        status.textContent = (body.errors[0] || {}).message || body.detail;
      }
    });
  });

  // ---- Measuring: clicks add points; the result is geodesic for distances, UTM-zone planar for areas.
  const box = document.getElementById("measure");
  const result = document.getElementById("measure-result");
  let mode = null;
  let points = [];

  const length = (m) => (m < 1000 ? C.number(m, 1) + " m" : C.number(m / 1000, 3) + " km");
  const surface = (m2) => C.number(m2, 0) + " m²" + (m2 >= 10000 ? " (" + C.number(m2 / 10000, 2) + " ha)" : "");

  function redraw() {
    const features = points.map((p) => ({ type: "Feature", geometry: { type: "Point", coordinates: p }, properties: {} }));
    if (mode === "area" && points.length > 2) {
      features.push({ type: "Feature", geometry: { type: "Polygon", coordinates: [points.concat([points[0]])] }, properties: {} });
    } else if (points.length > 1) {
      features.push({ type: "Feature", geometry: { type: "LineString", coordinates: points }, properties: {} });
    }
    const source = map.getSource("measure");
    if (source) source.setData({ type: "FeatureCollection", features: features });
    let text = box.dataset.msgStart;
    if (mode === "distance" && points.length > 1) {
      let total = 0;
      for (let i = 1; i < points.length; i++) total += C.distance(points[i - 1], points[i]);
      text = box.dataset.msgDistance.replace("%s", length(total));
      result.dataset.metres = String(total);
    } else if (mode === "area" && points.length > 2) {
      const area = C.area(points);
      text = box.dataset.msgArea.replace("%s", surface(area));
      result.dataset.squareMetres = String(area);
    }
    result.textContent = mode ? text : "";
    result.dataset.points = JSON.stringify(points); // what was measured, for a check against the server's rule
  }

  function setMode(next) {
    mode = mode === next ? null : next;
    points = [];
    window.cgMeasuring = Boolean(mode); // map.js opens no popups while measuring
    box.querySelectorAll("[data-measure]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.measure === mode)));
    map.getCanvas().style.cursor = mode ? "crosshair" : "";
    redraw();
  }

  box.querySelectorAll("[data-measure]").forEach((button) => {
    button.addEventListener("click", () => {
      if (button.dataset.measure === "clear") { points = []; redraw(); } else setMode(button.dataset.measure);
    });
  });
  map.on("click", (e) => {
    if (!mode) return;
    points.push([e.lngLat.lng, e.lngLat.lat]);
    redraw();
  });
})(window.Clearground);
