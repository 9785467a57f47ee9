// The treaty map: countries coloured by their Mine Ban Convention status on the chosen day.
// The slider and the date field ask /treaty/statuses/?on=... (cached per day) and recolour the map,
// the count and the table in place; the page also works without JavaScript (form GET, table).
(function (C) {
  const config = JSON.parse(document.getElementById("treaty-config").textContent);
  const slider = document.getElementById("treaty-slider");
  const dateInput = document.getElementById("treaty-on");
  const countEl = document.getElementById("treaty-count");
  const labelEl = document.getElementById("treaty-on-label");
  const rows = new Map([...document.querySelectorAll("#treaty-table tbody tr")].map((tr) => [tr.dataset.iso3, tr]));
  const cache = new Map([[config.initial.on, Promise.resolve(config.initial)]]);
  const first = config.first; // 1997-12-03, opened for signature
  const [fy, fm] = first.split("-").map(Number);
  const [ty, tm] = config.today.split("-").map(Number);
  const lastStep = (ty - fy) * 12 + (tm - fm);
  let current = config.initial;
  let wanted = config.initial.on;

  const pad = (n) => String(n).padStart(2, "0");
  // Step 0 is the day the Convention opened for signature, the last step today, the others the 1st of a month.
  function stepToDay(step) {
    if (step <= 0) return first;
    if (step >= lastStep) return config.today;
    const total = fy * 12 + (fm - 1) + step;
    return `${Math.floor(total / 12)}-${pad((total % 12) + 1)}-01`;
  }
  function dayToStep(day) {
    const [y, m] = day.split("-").map(Number);
    return Math.max(0, Math.min(lastStep, (y - fy) * 12 + (m - fm)));
  }
  slider.max = String(lastStep);
  slider.value = String(dayToStep(current.on));
  slider.setAttribute("aria-valuetext", C.date(current.on));

  function colorExpression(statuses) {
    const groups = {};
    for (const [iso3, status] of Object.entries(statuses)) (groups[status] = groups[status] || []).push(iso3);
    const expr = ["match", ["get", "iso3"]];
    for (const [status, codes] of Object.entries(groups)) expr.push(codes, config.colors[status]);
    expr.push(config.colors[config.noRecord]);
    return expr.length > 3 ? expr : config.colors[config.noRecord];
  }

  // world-atlas is cut for d3's spherical projections: rings that cross the antimeridian (Russia's
  // Chukotka, Fiji) jump from 180° to -180°, which a flat MapLibre map draws as a band round the world.
  // Unwrapping each ring's longitudes (consecutive points less than 180° apart) draws them past 180°.
  const map = C.createMap("treaty-map", { center: [15, 20], zoom: 0.9, minZoom: 0, renderWorldCopies: false });
  const ready = new Promise((resolve) => {
    const start = () => C.countries().then((fc) => {
      const features = fc.features.filter((f) => f.geometry).map((f) => ({
        type: "Feature", geometry: f.geometry,
        properties: { iso3: config.numericToIso3[f.id] || "", name: f.properties.name },
      }));
      map.addSource("treaty", { type: "geojson", data: { type: "FeatureCollection", features } });
      map.addLayer({ id: "treaty-status", type: "fill", source: "treaty",
                     paint: { "fill-color": colorExpression(current.statuses) } });
      map.addLayer({ id: "treaty-borders", type: "line", source: "treaty",
                     paint: { "line-color": "#6e6e6e", "line-width": 0.6 } });
      // This layer colours every country, so the basemap's own land and borders are not needed.
      map.setLayoutProperty("land", "visibility", "none");
      map.setLayoutProperty("borders", "visibility", "none");
      resolve();
    });
    if (map.isStyleLoaded()) start(); else map.once("load", start);
  });

  function apply(payload) {
    current = payload;
    countEl.textContent = C.number(payload.count);
    labelEl.textContent = C.date(payload.on);
    slider.setAttribute("aria-valuetext", C.date(payload.on));
    for (const [iso3, tr] of rows) {
      const cell = tr.querySelector("td.status");
      const status = payload.statuses[iso3] || config.noRecord;
      if (cell.dataset.status !== status) { cell.dataset.status = status; cell.textContent = config.labels[status]; }
    }
    ready.then(() => map.setPaintProperty("treaty-status", "fill-color", colorExpression(payload.statuses)));
    const url = new URL(window.location.href);
    url.searchParams.set("on", payload.on);
    window.history.replaceState(null, "", url);
    document.getElementById("treaty-map").dataset.on = payload.on;
  }

  function show(day) {
    wanted = day;
    if (!cache.has(day)) {
      cache.set(day, fetch(`${config.statusUrl}?on=${encodeURIComponent(day)}`, { headers: { Accept: "application/json" } })
        .then((r) => { if (!r.ok) throw new Error(`status ${r.status}`); return r.json(); })
        .catch((err) => { cache.delete(day); throw err; }));
    }
    // Only the last day asked for is drawn, whatever order the answers come back in.
    cache.get(day).then((payload) => { if (payload.on === wanted) apply(payload); })
      .catch(() => { labelEl.textContent = day; });
  }

  let timer = null;
  slider.addEventListener("input", () => {
    const day = stepToDay(Number(slider.value));
    dateInput.value = day;
    clearTimeout(timer);
    timer = setTimeout(() => show(day), 60);
  });
  dateInput.addEventListener("change", () => {
    if (!dateInput.value) return;
    slider.value = String(dayToStep(dateInput.value));
    show(dateInput.value);
  });
  document.getElementById("treaty-date-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (dateInput.value) show(dateInput.value);
  });

  map.on("click", "treaty-status", (event) => {
    const feature = event.features && event.features[0];
    if (!feature) return;
    const iso3 = feature.properties.iso3;
    const status = (iso3 && current.statuses[iso3]) || config.noRecord;
    const box = document.createElement("div");
    box.className = "treaty-popup";
    const title = document.createElement("h3");
    title.textContent = config.names[iso3] || feature.properties.name;
    const line = document.createElement("p");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = config.colors[status];
    line.append(swatch, `${config.labels[status]} (${C.date(current.on)})`);
    box.append(title, line);
    if (iso3 && config.names[iso3]) {
      const link = document.createElement("a");
      link.href = config.stateUrl.replace("ZZZ", iso3);
      link.textContent = config.text.timeline;
      const p = document.createElement("p");
      p.append(link);
      box.append(p);
    }
    new maplibregl.Popup({ maxWidth: "18rem" }).setLngLat(event.lngLat).setDOMContent(box).addTo(map);
  });
  map.on("mouseenter", "treaty-status", () => { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "treaty-status", () => { map.getCanvas().style.cursor = ""; });

  window.ClearTreaty = { map, ready, show, current: () => current };
})(window.Clearground);
