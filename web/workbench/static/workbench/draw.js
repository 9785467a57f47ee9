// A small polygon drawing tool for report forms (decision 0022). Click the map to add corners, then
// Finish; Undo removes the last corner, Clear starts again. The polygon is written as GeoJSON into the
// field's textarea, which stays the source of truth: it can be typed or pasted (keyboard users, GPS
// exports), and whatever it holds is drawn back on the map. Without JavaScript the textarea and the
// file upload still work.
(function (C) {
  const form = document.querySelector("form.report-form");
  if (!form || !window.maplibregl) return;
  const bounds = form.dataset.bounds ? JSON.parse(form.dataset.bounds) : null;
  const scope = document.getElementById("scope-hazards");
  const registered = scope ? JSON.parse(scope.textContent) : { type: "FeatureCollection", features: [] };

  function ringOf(geometry) {
    if (!geometry) return null;
    if (geometry.type === "Polygon") return geometry.coordinates[0];
    if (geometry.type === "MultiPolygon") return geometry.coordinates[0][0];
    return null;
  }

  function parse(text) {
    try {
      const value = JSON.parse(text);
      return value && value.type === "Feature" ? value.geometry : value;
    } catch (e) {
      return null;
    }
  }

  // Coordinates typed in any notation are read by the server (/api/v1/coordinates/parse): one parser.
  function readCoordinates(text) {
    return fetch(form.dataset.parseUrl + "?text=" + encodeURIComponent(text), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => r.json().then((body) => {
        if (r.ok) return body;
        throw new Error((body.errors && body.errors[0] && body.errors[0].message) || body.detail);
      }));
  }

  function extentOf(geometry) {
    const pts = [];
    const walk = (c) => (typeof c[0] === "number" ? pts.push(c) : c.forEach(walk));
    walk(geometry.coordinates);
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    return [[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]];
  }

  function setup(box) {
    const field = document.getElementById(box.dataset.drawFor);
    const status = box.querySelector(".draw-status");
    const tools = box.querySelector(".draw-tools");
    tools.hidden = false;
    const options = { center: [0, 20], zoom: 1 };
    if (bounds) Object.assign(options, { bounds: [[bounds[0], bounds[1]], [bounds[2], bounds[3]]], fitBoundsOptions: { padding: 40, maxZoom: 15 } });
    const map = C.createMap(box.querySelector(".draw-map"), options);
    let corners = [];
    let finished = false;
    let shown = parse(field.value); // a geometry typed, pasted, uploaded or saved

    function data() {
      const features = [];
      if (shown && shown.type && shown.coordinates) features.push({ type: "Feature", geometry: shown, properties: { role: "polygon" } });
      if (!finished && corners.length > 1) features.push({ type: "Feature", geometry: { type: "LineString", coordinates: corners }, properties: { role: "line" } });
      corners.forEach((c) => features.push({ type: "Feature", geometry: { type: "Point", coordinates: c }, properties: { role: "corner" } }));
      return { type: "FeatureCollection", features: features };
    }

    function redraw() {
      box.querySelector(".draw-map").dataset.shown = shown && shown.type ? shown.type : "";
      const source = map.getSource("draw");
      if (source) source.setData(data());
    }

    function say(text) {
      status.textContent = text;
    }

    map.on("load", () => {
      // The hazards already registered, under the drawing, so a new one is drawn where it belongs.
      map.addSource("registered", { type: "geojson", data: registered });
      map.addLayer({ id: "registered-fill", type: "fill", source: "registered", paint: { "fill-color": "#d9d9d9", "fill-opacity": 0.6 } });
      map.addLayer({ id: "registered-line", type: "line", source: "registered", paint: { "line-color": "#757575", "line-width": 1 } });
      map.addSource("draw", { type: "geojson", data: data() });
      map.addLayer({ id: "draw-fill", type: "fill", source: "draw", filter: ["==", ["get", "role"], "polygon"], paint: { "fill-color": "#1f6fb2", "fill-opacity": 0.3 } });
      map.addLayer({ id: "draw-outline", type: "line", source: "draw", filter: ["in", ["get", "role"], ["literal", ["polygon", "line"]]], paint: { "line-color": "#0b3d66", "line-width": 2 } });
      map.addLayer({ id: "draw-corners", type: "circle", source: "draw", filter: ["==", ["get", "role"], "corner"], paint: { "circle-radius": 5, "circle-color": "#ffffff", "circle-stroke-color": "#0b3d66", "circle-stroke-width": 2 } });
      if (shown && shown.coordinates) {
        try { map.fitBounds(extentOf(shown), { padding: 40, maxZoom: 16, duration: 0 }); } catch (e) { /* unreadable: leave the view */ }
      }
      map.getCanvas().dataset.drawReady = "true";
    });

    map.on("click", (event) => {
      if (finished) { finished = false; corners = []; shown = null; }
      corners.push([Number(event.lngLat.lng.toFixed(7)), Number(event.lngLat.lat.toFixed(7))]);
      say(box.dataset.msgCorners.replace("%s", C.number(corners.length)));
      redraw();
    });

    box.querySelector("[data-draw=finish]").addEventListener("click", () => {
      if (corners.length < 3) { say(box.dataset.msgShort); return; }
      shown = { type: "Polygon", coordinates: [corners.concat([corners[0]])] };
      finished = true;
      corners = [];
      field.value = JSON.stringify(shown);
      say(box.dataset.msgDone);
      redraw();
    });

    // A corner typed as written in the field (DD, DMS, UTM, MGRS): added as if clicked there.
    const cornerInput = box.querySelector(".corner-input");
    function addTyped() {
      const text = cornerInput.value.trim();
      if (!text) return;
      readCoordinates(text).then((body) => {
        if (finished) { finished = false; corners = []; shown = null; }
        const corner = [Number(body.longitude.toFixed(7)), Number(body.latitude.toFixed(7))];
        corners.push(corner);
        cornerInput.value = "";
        cornerInput.removeAttribute("aria-invalid");
        say(box.dataset.msgCorners.replace("%s", C.number(corners.length)) + " (" + body.written.dd + ")");
        if (!map.getBounds().contains(corner) || map.getZoom() < 12) map.jumpTo({ center: corner, zoom: Math.max(map.getZoom(), 15) });
        redraw();
      }).catch((error) => {
        cornerInput.setAttribute("aria-invalid", "true");
        say(error.message);
      });
    }
    box.querySelector("[data-draw=add]").addEventListener("click", addTyped);
    cornerInput.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); addTyped(); } });

    box.querySelector("[data-draw=undo]").addEventListener("click", () => {
      if (finished || (!corners.length && shown)) {
        const ring = ringOf(shown);
        corners = ring ? ring.slice(0, -1) : [];
        shown = null;
        finished = false;
        field.value = "";
      }
      corners.pop();
      say(box.dataset.msgCorners.replace("%s", C.number(corners.length)));
      redraw();
    });

    box.querySelector("[data-draw=clear]").addEventListener("click", () => {
      corners = [];
      shown = null;
      finished = false;
      field.value = "";
      say("");
      redraw();
    });

    field.addEventListener("input", () => {
      shown = parse(field.value);
      corners = [];
      finished = Boolean(shown);
      redraw();
    });
  }

  document.querySelectorAll(".draw[data-draw-for]").forEach(setup);

  // Points typed in any notation: the server's reading is shown under the input, so a slip shows at once.
  document.querySelectorAll("[data-coords-check]").forEach((input) => {
    const check = document.getElementById(input.dataset.coordsCheck);
    input.addEventListener("change", () => {
      const text = input.value.trim();
      if (!text || text.startsWith("{")) { check.textContent = ""; return; }
      readCoordinates(text).then((body) => {
        input.removeAttribute("aria-invalid");
        check.textContent = "= " + body.written.dd + " · " + (body.written.mgrs || body.written.dms);
      }).catch((error) => {
        input.setAttribute("aria-invalid", "true");
        check.textContent = error.message;
      });
    });
  });

  // Points: one shared map in a dialog; a click writes "longitude, latitude" into the point's field.
  const dialog = document.getElementById("pick-dialog");
  let pickMap = null;
  let target = null;
  document.querySelectorAll("[data-pick-for]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => {
      target = document.getElementById(button.dataset.pickFor);
      dialog.showModal();
      if (!pickMap) {
        const options = { center: [0, 20], zoom: 1 };
        if (bounds) Object.assign(options, { bounds: [[bounds[0], bounds[1]], [bounds[2], bounds[3]]], fitBoundsOptions: { padding: 40, maxZoom: 15 } });
        pickMap = C.createMap(dialog.querySelector(".pick-map"), options);
        pickMap.on("load", () => {
          pickMap.addSource("registered", { type: "geojson", data: registered });
          pickMap.addLayer({ id: "registered-fill", type: "fill", source: "registered", paint: { "fill-color": "#d9d9d9", "fill-opacity": 0.6 } });
          dialog.querySelector(".pick-map").dataset.ready = "true";
        });
        pickMap.on("click", (event) => {
          target.value = event.lngLat.lng.toFixed(7) + ", " + event.lngLat.lat.toFixed(7);
          dialog.close();
          target.focus();
        });
      } else {
        pickMap.resize();
      }
    });
  });
  if (dialog) dialog.querySelector("[data-pick=cancel]").addEventListener("click", () => dialog.close());
})(window.Clearground);
