// The one way a page makes a map: MapLibre GL with the Natural Earth basemap from npm's world-atlas,
// served by Clearground itself. No glyphs or sprites are configured (they would need a font server);
// labels are HTML (popups, legends), never map text.
window.Clearground = window.Clearground || {};
(function (C) {
  const STATIC = document.documentElement.dataset.static || "/static/";
  maplibregl.setWorkerUrl(STATIC + "vendor/maplibre-gl/maplibre-gl-csp-worker.js");
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
    C.countries("110m").then((fc) => {
      const apply = () => map.getSource("countries").setData(fc);
      if (map.isStyleLoaded()) apply(); else map.once("load", apply);
    });
    return map;
  };
})(window.Clearground);
