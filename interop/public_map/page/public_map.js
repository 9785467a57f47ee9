// The static public map (decision 0056): the published layers from published.pmtiles in this folder, read
// with range requests by pmtiles.js; no server code and no request anywhere but this folder.
(function () {
  const cfg = JSON.parse(document.getElementById("public-config").textContent);
  const here = (name) => new URL(name, window.location.href).href;
  maplibregl.setWorkerUrl(here("vendor/maplibre-gl-csp-worker.js"));
  const protocol = new pmtiles.Protocol();
  maplibregl.addProtocol("pmtiles", protocol.tile);

  const remaining = [">", ["coalesce", ["get", "remaining_m2"], 1], 0];
  const style = {
    version: 8,
    sources: {
      countries: { type: "geojson", data: { type: "FeatureCollection", features: [] }, attribution: "Natural Earth" },
      published: { type: "vector", url: "pmtiles://" + here("published.pmtiles") },
    },
    layers: [
      { id: "sea", type: "background", paint: { "background-color": "#d4e4f0" } },
      { id: "land", type: "fill", source: "countries", paint: { "fill-color": "#f2efe6" } },
      { id: "borders", type: "line", source: "countries", paint: { "line-color": "#8c8c8c", "line-width": 0.7 } },
    ],
  };
  if (cfg.layers.includes("released_land")) {
    // Released land is tiled only to its own max zoom (one polygon per admin area): its own source over the
    // same archive, so that MapLibre overzooms its last tiles instead of finding nothing deeper.
    style.sources.released = { type: "vector", tiles: ["pmtiles://" + here("published.pmtiles") + "/{z}/{x}/{y}"],
      minzoom: 0, maxzoom: cfg.max_zooms.released_land };
    style.layers.push(
      { id: "released_land", type: "fill", source: "released", "source-layer": "released_land",
        paint: { "fill-color": ["case", remaining, "#e8a33d", "#5aa55a"], "fill-opacity": 0.55 } },
      { id: "released_land-line", type: "line", source: "released", "source-layer": "released_land",
        paint: { "line-color": "#5f4b2a", "line-width": 0.8 } });
  }
  if (cfg.layers.includes("hazard_warnings")) {
    style.layers.push(
      { id: "hazard_warnings", type: "fill", source: "published", "source-layer": "hazard_warnings",
        paint: { "fill-color": "#d7301f", "fill-opacity": 0.45 } },
      { id: "hazard_warnings-line", type: "line", source: "published", "source-layer": "hazard_warnings",
        paint: { "line-color": "#7f0000", "line-width": 1 } });
  }
  const options = { container: "map", style: style, hash: true, dragRotate: false,
    attributionControl: { compact: true } };
  if (cfg.bounds && !/^#\d/.test(window.location.hash)) {
    Object.assign(options, { bounds: cfg.bounds, fitBoundsOptions: { padding: 30, maxZoom: 12 } });
  }
  const map = new maplibregl.Map(options);
  window.publicMap = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl(), "bottom-left");

  fetch(here("vendor/countries-110m.json")).then((r) => r.json()).then((topo) => {
    const fc = topojson.feature(topo, topo.objects.countries);
    const apply = () => map.getSource("countries").setData(fc);
    if (map.isStyleLoaded()) apply(); else map.once("load", apply);
  });

  // A click shows the feature's published fields, labelled in the page's language; text is set, never parsed.
  const clickable = cfg.layers.slice();
  map.on("click", (e) => {
    const hit = map.queryRenderedFeatures(e.point, { layers: clickable.filter((id) => map.getLayer(id)) })[0];
    if (!hit) return;
    const dl = document.createElement("dl");
    Object.entries(hit.properties).forEach(([key, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = cfg.labels[key] || key;
      const dd = document.createElement("dd");
      dd.textContent = typeof value === "number" ? value.toLocaleString(document.documentElement.lang) : value;
      dl.append(dt, dd);
    });
    new maplibregl.Popup().setLngLat(e.lngLat).setDOMContent(dl).addTo(map);
  });
  // With the server's address configured (CLEARGROUND_PUBLIC_URL, decision 0061), a click points the statement
  // link at that spot: the link leaves this folder only when the visitor follows it.
  const statement = document.getElementById("statement-link");
  if (statement) {
    map.on("click", (e) => {
      const at = e.lngLat.wrap();
      statement.href = statement.dataset.base + "?lon=" + at.lng.toFixed(6) + "&lat=" + at.lat.toFixed(6) + "&radius=100";
    });
  }
  map.on("idle", function ready() {
    window.publicMapReady = true;
    map.off("idle", ready);
  });
})();
