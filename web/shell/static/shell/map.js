// The one way a page makes a map: MapLibre GL with the Natural Earth basemap from npm's world-atlas,
// served by Clearground itself. No glyphs or sprites are configured (they would need a font server);
// labels are HTML (popups, legends), never map text.
window.Clearground = window.Clearground || {};
(function (C) {
  const STATIC = document.documentElement.dataset.static || "/static/";
  maplibregl.setWorkerUrl(STATIC + "vendor/maplibre-gl/maplibre-gl-csp-worker.js");
  // The worker (its own 450 kB script) starts now, while the page is still parsed, not when the map is made.
  maplibregl.prewarm();
  const countries = {};

  // Shapes that cross the 180° line (Chukotka, Fiji) come back from topojson with longitudes that
  // jump by 360°, which a flat map draws as a band right round the world: keep each ring continuous.
  function unwrapRing(ring) {
    let shift = 0;
    return ring.map(([lon, lat], i) => {
      if (i > 0) {
        const previous = ring[i - 1][0] + shift;
        while (lon + shift - previous > 180) shift -= 360;
        while (lon + shift - previous < -180) shift += 360;
      }
      return [lon + shift, lat];
    });
  }
  function unwrap(geometry) {
    if (geometry.type === "Polygon") return { type: "Polygon", coordinates: geometry.coordinates.map(unwrapRing) };
    if (geometry.type === "MultiPolygon") {
      return { type: "MultiPolygon", coordinates: geometry.coordinates.map((p) => p.map(unwrapRing)) };
    }
    return geometry;
  }

  /** Natural Earth countries as GeoJSON (scale "50m" or "110m"); feature ids are ISO 3166-1 numeric codes. */
  C.countries = function (scale) {
    scale = scale || "50m";
    countries[scale] = countries[scale] || fetch(STATIC + "vendor/world-atlas/countries-" + scale + ".json")
      .then((r) => r.json())
      .then((topo) => {
        const fc = topojson.feature(topo, topo.objects.countries);
        fc.features = fc.features.filter((f) => f.geometry).map((f) => Object.assign(f, { geometry: unwrap(f.geometry) }));
        return fc;
      });
    return countries[scale];
  };

  // Every map draws the 1:110m land (createMap): asked for now, while the page is still parsed, so that it is
  // decoded and handed to the worker with the style rather than last, which cost the first render one more
  // software frame (decision 0066).
  C.countries("110m");

  C.baseStyle = function () {
    return {
      version: 8,
      sources: { countries: { type: "geojson", data: { type: "FeatureCollection", features: [] } } },
      layers: [
        { id: "sea", type: "background", paint: { "background-color": "#d4e4f0" } },
        { id: "land", type: "fill", source: "countries", paint: { "fill-color": "#f2efe6" } },
        { id: "borders", type: "line", source: "countries", paint: { "line-color": "#8c8c8c", "line-width": 0.7 } },
      ],
    };
  };

  // ---- Configured basemaps (decision 0056): a PMTiles archive (ours or a Protomaps build), or an online
  // XYZ/WMTS URL the authority configured. Each is a group of style layers "basemap-<name>-…" drawn over the
  // Natural Earth land and under the register's layers; one group is visible at a time.
  let pmtilesProtocol = null;
  function pmtilesUrl(url) {
    if (!pmtilesProtocol) {
      pmtilesProtocol = new pmtiles.Protocol();
      maplibregl.addProtocol("pmtiles", pmtilesProtocol.tile);
    }
    return "pmtiles://" + new URL(url, window.location.href).href;
  }

  /** Our own archive's layers (`clearground basemap build`): countries, provinces, places, and any layer
   * built from the programme's files (lines for lines, dots for points, a light fill for areas). */
  function ourLayers(id, sourceLayers) {
    const layer = (suffix, spec) => Object.assign({ id: id + "-" + suffix, source: id }, spec);
    const layers = [
      layer("countries", { type: "line", "source-layer": "countries", paint: { "line-color": "#5f5f5f", "line-width": 1.2 } }),
      layer("provinces", { type: "line", "source-layer": "provinces",
        paint: { "line-color": "#8a7f95", "line-width": ["interpolate", ["linear"], ["zoom"], 3, 0.4, 10, 1.2], "line-dasharray": [3, 2] } }),
      layer("places", { type: "circle", "source-layer": "places", paint: {
        "circle-color": "#5a4a3a", "circle-stroke-color": "#ffffff", "circle-stroke-width": 0.8,
        "circle-radius": ["interpolate", ["linear"], ["get", "population"], 0, 2, 100000, 3.5, 1000000, 5.5] } }),
    ];
    (sourceLayers || []).filter((l) => !["countries", "provinces", "places"].includes(l)).forEach((l) => {
      layers.push(layer(l + "-fill", { type: "fill", "source-layer": l, filter: ["==", ["geometry-type"], "Polygon"],
        paint: { "fill-color": "#e4e0d4", "fill-opacity": 0.5 } }));
      layers.push(layer(l + "-line", { type: "line", "source-layer": l, filter: ["!=", ["geometry-type"], "Point"],
        paint: { "line-color": /river|water|stream/.test(l) ? "#7fa7c9" : "#9c8f7a", "line-width": 1 } }));
      layers.push(layer(l + "-point", { type: "circle", "source-layer": l, filter: ["==", ["geometry-type"], "Point"],
        paint: { "circle-color": "#5a4a3a", "circle-radius": 2.5 } }));
    });
    return layers;
  }

  /** The sources and layers of one configured basemap, ids prefixed "basemap-<name>". */
  C.basemapStyle = function (basemap) {
    const id = "basemap-" + basemap.name;
    const sources = {};
    let layers;
    if (basemap.type === "pmtiles") {
      // An archive on this server comes through its z/x/y door (one request a tile, fetched by MapLibre's worker
      // as soon as the view is known); any other through pmtiles.js's range requests (decision 0066).
      sources[id] = basemap.tiles
        ? { type: "vector", tiles: [window.location.origin + basemap.tiles], minzoom: basemap.minzoom, maxzoom: basemap.maxzoom,
          bounds: basemap.bounds, attribution: basemap.attribution }
        : { type: "vector", url: pmtilesUrl(basemap.url), attribution: basemap.attribution };
      if (basemap.style === "protomaps" && window.basemaps) {
        // A Protomaps build has the Protomaps schema; its labels need a glyph server, which we do not run.
        layers = basemaps.layers(id, basemaps.namedFlavor("light"))
          .filter((l) => l.type !== "symbol" && l.type !== "background")
          .map((l) => Object.assign(l, { id: id + "-" + l.id }));
      } else {
        layers = ourLayers(id, basemap.layers);
      }
    } else { // xyz, or a WMTS given as its REST template with {z}/{x}/{y} (GoogleMapsCompatible)
      sources[id] = { type: "raster", tiles: [basemap.url], tileSize: 256, attribution: basemap.attribution };
      layers = [{ id: id + "-raster", type: "raster", source: id }];
    }
    return { sources: sources, layers: layers };
  };

  /** Put the configured basemaps in `style` over the land and under everything else; the first one shown. */
  C.addBasemaps = function (style, configured) {
    let at = style.layers.findIndex((l) => l.id === "borders") + 1;
    (configured || []).forEach((basemap, i) => {
      const part = C.basemapStyle(basemap);
      Object.assign(style.sources, part.sources);
      part.layers.forEach((l) => {
        l.layout = Object.assign(l.layout || {}, { visibility: i === 0 ? "visible" : "none" });
        style.layers.splice(at++, 0, l);
      });
    });
    return style;
  };

  /** Show the basemap called `name` ("" for the Natural Earth land alone), hide the others. */
  C.showBasemap = function (map, name) {
    map.getStyle().layers.forEach((l) => {
      if (!l.id.startsWith("basemap-")) return;
      map.setLayoutProperty(l.id, "visibility", name && l.source === "basemap-" + name ? "visible" : "none");
    });
  };

  /** A map in `container` with the basemap; options go to maplibregl.Map (center, zoom, bounds...).
   * The basemap is 1:110m (100 kB): it is context under the register's own data, and the 1:50m file
   * (750 kB) cost the map page a third of a second before its first tile request. */
  C.createMap = function (container, options) {
    const map = new maplibregl.Map(Object.assign({
      container: container,
      style: C.baseStyle(),
      attributionControl: { compact: true, customAttribution: "Natural Earth" },
      dragRotate: false,
    }, options || {}));
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    // Settled once the style is parsed (before any tile): what a page adds to the map (the land here,
    // the tools' own layers) goes in then, not at "load" (after the first tiles), where each addition
    // held back the map's first complete frame by a few hundred milliseconds (decision 0062).
    map.cgStyled = new Promise((done) => map.once("style.load", done));
    Promise.all([C.countries("110m"), map.cgStyled]).then(([fc]) => map.getSource("countries").setData(fc));
    return map;
  };
})(window.Clearground);
