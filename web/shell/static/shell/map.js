// The one way a page makes a map: MapLibre GL with the Natural Earth basemap from npm's world-atlas,
// served by Clearground itself. No glyphs or sprites are configured (they would need a font server);
// labels are HTML (popups, legends), never map text.
window.Clearground = window.Clearground || {};
(function (C) {
  const STATIC = document.documentElement.dataset.static || "/static/";
  maplibregl.setWorkerUrl(STATIC + "vendor/maplibre-gl/maplibre-gl-csp-worker.js");
  let countries = null;

  /** Natural Earth countries (1:50m) as GeoJSON; feature ids are ISO 3166-1 numeric codes. */
  C.countries = function () {
    countries = countries || fetch(STATIC + "vendor/world-atlas/countries-50m.json")
      .then((r) => r.json())
      .then((topo) => topojson.feature(topo, topo.objects.countries));
    return countries;
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

  /** A map in `container` with the basemap; options go to maplibregl.Map (center, zoom, bounds...). */
  C.createMap = function (container, options) {
    const map = new maplibregl.Map(Object.assign({
      container: container,
      style: C.baseStyle(),
      attributionControl: { compact: true, customAttribution: "Natural Earth" },
      dragRotate: false,
    }, options || {}));
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    C.countries().then((fc) => {
      const apply = () => map.getSource("countries").setData(fc);
      if (map.isStyleLoaded()) apply(); else map.once("load", apply);
    });
    return map;
  };
})(window.Clearground);
