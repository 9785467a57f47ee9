// The map page: Clearground's vector tiles in MapLibre, filters as MapLibre filter expressions,
// a popup per clicked feature. No hazard geometry is embedded: tiles do the work (100,000 hazards).
(function (C) {
  const cfg = JSON.parse(document.getElementById("atlas-config").textContent);
  const L = cfg.labels;
  const container = document.getElementById("atlas-map");
  // A view in the address (#zoom/lat/lon, MapLibre's hash) wins over the fit to the user's hazards:
  // shared links and the benchmark (bench/map_render.py) open exactly where they point.
  const fromHash = /^#\d/.test(window.location.hash);
  // fadeDuration 0: no label fade-in animation to wait for before the map is idle (and drawn once).
  const options = { hash: true, maxZoom: 20, fadeDuration: 0 };
  if (!fromHash) Object.assign(options, { bounds: cfg.bounds, fitBoundsOptions: { padding: 40, maxZoom: 16 } });

  // From this zoom hazards are drawn as polygons (fill, hatch, outline by status) with their land
  // release products; below it, where a typical 200 m hazard is a few pixels, as dots: hazards whose
  // dots would overlap (one dot-sized cell) and that share class, status and organisation are one dot
  // with their count (?geometry=cluster, decision 0062), so every hazard is counted and every filter
  // still exact, and at national scale the browser draws about a fifth as many dots as there are hazards.
  const POLYGONS_FROM_ZOOM = 10;
  const DOT_PROPERTIES = ["classification", "status", "organisation_id"]; // the id comes as the feature id
  const groups = {
    hazards: ["hazards-points", "hazards-fill", "hazards-hatch", "hazards-line-open", "hazards-line-worked", "hazards-line-suspended",
      "hazards-line-closed"],
    products: ["products-fill", "products-line"],
    finds: ["finds"],
    indications: ["indications"],
    accidents: ["accidents"],
  };
  const base = {}; // each layer's own filter (the symbology), combined with the form's
  const clickable = [];

  function source(id, collection, minzoom, query) {
    // maxzoom 16: deeper views overzoom the z16 tile (a tile unit is then ~15 cm), so zooming in
    // to one hazard costs no new requests.
    const spec = { type: "vector", tiles: [cfg.tiles[collection] + (query || "")], minzoom: minzoom || 0, maxzoom: 16 };
    if (!query) spec.promoteId = "id"; // a tile with chosen properties carries the id as its feature id
    style.sources[id] = spec;
  }

  function add(specs, minzoom) {
    specs.forEach((spec) => {
      if (minzoom) spec.minzoom = minzoom;
      base[spec.id] = spec.filter || null;
      style.layers.push(spec);
    });
  }

  // The register's sources and layers are part of the style the map starts with, so their first
  // tile requests leave as soon as MapLibre's workers are up, not after the map's "load".
  const style = C.addBasemaps(C.baseStyle(), cfg.basemaps);
  // The dots carry what their style and the filters read; a click fetches the rest (popupFor).
  source("hazard-points", "hazardous_areas", 0, "?geometry=cluster&properties=" + DOT_PROPERTIES.join(","));
  source("hazards", "hazardous_areas", POLYGONS_FROM_ZOOM);
  source("products", "land_release_products", POLYGONS_FROM_ZOOM);
  source("finds", "finds");
  add([C.hazardPointLayer("hazards-points", "hazard-points", "hazardous_areas", POLYGONS_FROM_ZOOM)]);
  add(C.hazardFillLayers("hazards", "hazardous_areas"), POLYGONS_FROM_ZOOM);
  add(C.productLayers("products", "land_release_products"), POLYGONS_FROM_ZOOM);
  add(C.hazardOutlineLayers("hazards", "hazardous_areas"), POLYGONS_FROM_ZOOM);
  // Finds shrink when zoomed out, so that they do not hide the hazards they were found in.
  add([C.pointLayer("finds", "finds", "finds", C.symbologyColours.find, ["interpolate", ["linear"], ["zoom"], 5, 1.5, 11, 4.5])]);
  clickable.push("hazards-points", "hazards-fill", "products-fill", "finds");
  if (cfg.tiles.hazard_indications) {
    // Points not yet hazards (decision 0048): suspected contamination, and lifted minefields in their own colour.
    source("indications", "hazard_indications");
    add([C.pointLayer("indications", "indications", "hazard_indications",
      ["match", ["get", "kind"], "lifted_minefield", C.symbologyColours.lifted_minefield, C.symbologyColours.indication], 4)]);
    clickable.push("indications");
  }
  if (cfg.tiles.accidents) {
    source("accidents", "accidents");
    add([C.pointLayer("accidents", "accidents", "accidents", C.symbologyColours.accident, 6)]);
    clickable.push("accidents");
  }
  // ---- Filters: the form beside the map sets each layer's filter; nothing is fetched again.
  const form = document.getElementById("atlas-filters");

  function checked(name) {
    return Array.from(form.querySelectorAll(`input[name="${name}"]:checked`)).map((i) => i.value);
  }

  /** Each layer's filter and visibility as the form asks: {id: [filter or null, "visible" | "none"]}. */
  function wanted() {
    const org = form.elements.organisation.value;
    const byOrg = org ? ["==", ["to-string", ["get", "organisation_id"]], org] : null;
    const hazardOnly = [
      ["in", ["get", "classification"], ["literal", checked("classification")]],
      ["in", ["get", "status"], ["literal", checked("status")]],
    ];
    const layersShown = checked("layer");
    const out = {};
    Object.entries(groups).forEach(([group, ids]) => {
      ids.forEach((id) => {
        const parts = [base[id], byOrg, ...(group === "hazards" ? hazardOnly : [])].filter(Boolean);
        out[id] = [parts.length ? ["all", ...parts] : null, layersShown.includes(group) ? "visible" : "none"];
      });
    });
    return out;
  }

  function applyFilters() {
    Object.entries(wanted()).forEach(([id, [filter, visibility]]) => {
      if (!map.getLayer(id)) return;
      map.setFilter(id, filter);
      map.setLayoutProperty(id, "visibility", visibility);
    });
  }

  // The form's state is written into the starting style: changing a layer's filter or visibility after
  // its tiles arrived makes MapLibre parse every tile of its source again (half a second at national scale).
  const initial = wanted();
  style.layers.forEach((spec) => {
    if (!(spec.id in initial)) return;
    const [filter, visibility] = initial[spec.id];
    if (filter) spec.filter = filter; else delete spec.filter;
    spec.layout = Object.assign({}, spec.layout, { visibility: visibility });
  });

  const map = C.createMap(container, Object.assign(options, { style: style }));
  window.cgMap = map;
  // The SHA hatch is drawn on a canvas (no sprite server): given the moment a layer asks for it.
  map.on("styleimagemissing", (e) => { if (e.id === "hatch-sha") C.addPatterns(map); });
  let changedWhileLoading = false;
  map.on("load", () => {
    if (changedWhileLoading) applyFilters();
    map.on("idle", function ready() {
      if (!map.isSourceLoaded("hazards") || !map.isSourceLoaded("hazard-points")) return;
      window.cgMapReadyAt = performance.now();
      window.cgMapReady = true;
      map.off("idle", ready);
    });
  });

  // ---- Basemap: one of the configured ones, or the Natural Earth land alone.
  document.querySelectorAll("input[name=basemap]").forEach((input) => {
    input.addEventListener("change", () => { if (input.checked) C.showBasemap(map, input.value); });
  });

  form.addEventListener("change", () => {
    if (map.loaded() || map.isStyleLoaded()) applyFilters(); else changedWhileLoading = true;
  });
  form.addEventListener("submit", (e) => { e.preventDefault(); applyFilters(); });

  // ---- Popups: built from text nodes (feature values are data, never markup).
  function hazardLink(id, code, orgId) {
    const mayOpen = cfg.linkable === null || cfg.linkable.includes(Number(orgId));
    if (!mayOpen || id === undefined || id === null) return document.createTextNode(code || "");
    const a = document.createElement("a");
    a.href = cfg.hazard_url.replace("{id}", String(id));
    a.textContent = code;
    return a;
  }

  function table(rows) {
    const t = document.createElement("table");
    rows.forEach(([label, value]) => {
      if (value === undefined || value === null || value === "") return;
      const tr = t.insertRow();
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = label;
      tr.appendChild(th);
      const td = tr.insertCell();
      if (value instanceof Node) td.appendChild(value); else td.textContent = value;
      if (typeof value === "string" && /^[\d\s.,\u00a0\u202f]+$/.test(value)) td.className = "n";
    });
    return t;
  }

  const num = (v, digits) => (v === undefined || v === null ? "" : C.number(Number(v), digits));
  const day = (iso) => (iso ? C.date(String(iso).slice(0, 10)) : "");

  function popupFor(f) {
    const p = f.properties;
    const box = document.createElement("div");
    box.className = "atlas-popup";
    const h = document.createElement("h2");
    let rows = [];
    if (f.layer.id === "hazards-fill" || f.layer.id === "hazards-points") {
      h.textContent = L.hazard;
      rows = [
        [L.code, hazardLink(p.id, p.code, p.organisation_id)], [L.name, p.name],
        [L.classification_label, L.classification[p.classification] || p.classification],
        [L.status_label, L.status[p.status] || p.status], [L.organisation, p.organisation],
        [L.admin_area, p.admin_area], [L.original, num(p.original_area_m2)],
        [L.remaining, num(p.remaining_area_m2)], [L.cancelled, num(p.cancelled_m2)],
        [L.reduced, num(p.reduced_m2)], [L.cleared, num(p.cleared_m2)],
      ];
    } else if (f.layer.id === "products-fill") {
      h.textContent = L.product + " · " + (L.kind[p.kind] || p.kind);
      rows = [[L.hazard, hazardLink(p.hazard_id, p.hazard_code, p.organisation_id)], [L.area, num(p.area_m2)],
        [L.date, day(p.on)], [L.organisation, p.organisation]];
    } else if (f.layer.id === "finds") {
      h.textContent = L.find;
      rows = [[L.category, L.device[p.category] || p.category], [L.quantity, num(p.quantity)], [L.date, day(p.on)],
        [L.hazard, p.hazard_id ? hazardLink(p.hazard_id, p.hazard_code, p.organisation_id) : ""],
        [L.organisation, p.organisation]];
    } else if (f.layer.id === "indications") {
      h.textContent = L.indication + " · " + (L.indication_kind[p.kind] || p.kind);
      rows = [[L.status_label, L.indication_status[p.status] || p.status], [L.year, p.year || ""],
        [L.place, p.place || ""], [L.admin_area, p.admin_area], [L.organisation, p.organisation]];
    } else {
      h.textContent = L.accident;
      // Generalised accidents (decision 0037) carry the month only.
      const when = p.occurred_at ? day(p.occurred_at) : String(p.month || "").slice(0, 7);
      rows = [[L.date, when], [L.category, L.device[p.device_category] || p.device_category], [L.killed, num(p.killed)],
        [L.injured, num(p.injured)], [L.admin_area, p.admin_area], [L.organisation, p.organisation]];
    }
    box.appendChild(h);
    box.appendChild(table(rows));
    return box;
  }

  let popup = null;
  map.on("click", (e) => {
    if (window.cgMeasuring) return; // a click of the measuring tool (tools.js) adds a point, not a popup
    const features = map.queryRenderedFeatures(e.point, { layers: clickable.filter((id) => map.getLayer(id)) });
    if (popup) popup.remove();
    if (!features.length) return;
    const f = features[0];
    const show = (feature) => {
      popup = new maplibregl.Popup({ maxWidth: "22rem" }).setLngLat(e.lngLat).setDOMContent(popupFor(feature))
        .addTo(map);
    };
    if (f.layer.id !== "hazards-points") { show(f); return; }
    if (f.properties.count > 1) {
      // A dot of several hazards opens towards them: two zooms in, up to where each is its own dot or polygon.
      map.easeTo({ center: e.lngLat, zoom: Math.min(map.getZoom() + 2, POLYGONS_FROM_ZOOM) });
      return;
    }
    // A dot knows its code, class and status; its names and areas come from the published row.
    fetch(cfg.hazard_item_url.replace("{id}", String(f.id)), { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null)
      .then((item) => show({ layer: f.layer, properties: Object.assign({ id: f.id }, item ? item.properties : {}, f.properties) }));
  });
  // The pointer cursor over features: one query per animation frame at most (20,000 hazards in view).
  let hover = null;
  map.on("mousemove", (e) => {
    if (window.cgMeasuring) return;
    if (hover !== null) { hover = e.point; return; }
    hover = e.point;
    requestAnimationFrame(() => {
      const over = map.queryRenderedFeatures(hover, { layers: clickable.filter((id) => map.getLayer(id)) }).length;
      map.getCanvas().style.cursor = over ? "pointer" : "";
      hover = null;
    });
  });
})(window.Clearground);
