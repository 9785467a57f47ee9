// Land-release symbology (decision 0021), shared by the map and the hazard page's small map.
// Classification is the fill (CHA solid red, SHA hatched orange: "suspected" reads as less certain);
// status is the outline (open solid, worked on dashed blue, suspended dotted purple, closed grey with no
// fill); land release products sit above their hazard in three colours (cancelled blue, reduced yellow,
// cleared green). Hatches are drawn on a canvas and added with map.addImage: there is no sprite server.
window.Clearground = window.Clearground || {};
(function (C) {
  const COLOURS = {
    CHA: "#c0392b", CHA_LINE: "#7f1d12",
    SHA: "#e8912d", SHA_LINE: "#9a4f00",
    worked_on: "#1f4e9c", suspended: "#6a3d9a", closed: "#6b6b6b",
    cancelled: "#4a90c2", reduced: "#e5c100", cleared: "#2e8b3e",
    cancelled_line: "#1d5a87", reduced_line: "#8a7400", cleared_line: "#1a5224",
    find: "#111111", accident: "#c2185b",
    // Hazard indications (decision 0048): not yet hazards, so neither hazard colour; a lifted minefield apart.
    indication: "#8e6c00", lifted_minefield: "#5d6d7e",
  };

  /** A transparent square with diagonal strokes, as MapLibre image data. */
  function hatch(colour, size, width) {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = size;
    const g = canvas.getContext("2d");
    g.strokeStyle = colour;
    g.lineWidth = width;
    g.lineCap = "square";
    g.beginPath();
    // Three strokes so that the pattern tiles without seams at its corners.
    for (const o of [-size, 0, size]) { g.moveTo(o, size); g.lineTo(o + size, 0); }
    g.stroke();
    return g.getImageData(0, 0, size, size);
  }

  C.addPatterns = function (map) {
    if (!map.hasImage("hatch-sha")) map.addImage("hatch-sha", hatch(COLOURS.SHA_LINE, 12, 2), { pixelRatio: 1 });
  };

  function layer(id, type, source, sourceLayer, paint, filter, layout) {
    const spec = { id: id, type: type, source: source, paint: paint };
    if (sourceLayer) spec["source-layer"] = sourceLayer;
    if (filter) spec.filter = filter;
    if (layout) spec.layout = layout;
    return spec;
  }

  const notClosed = ["!=", ["get", "status"], "closed"];
  const isClosed = ["==", ["get", "status"], "closed"];

  /** Hazard layers, bottom to top: fills first; outlines come from hazardOutlineLayers (drawn above products). */
  C.hazardFillLayers = function (source, sourceLayer) {
    return [
      layer("hazards-fill", "fill", source, sourceLayer, {
        "fill-color": ["case", isClosed, "#bdbdbd", ["==", ["get", "classification"], "CHA"], COLOURS.CHA, COLOURS.SHA],
        "fill-opacity": ["case", isClosed, 0.25, ["==", ["get", "classification"], "CHA"], 0.5, 0.22],
      }),
      layer("hazards-hatch", "fill", source, sourceLayer, { "fill-pattern": "hatch-sha" },
        ["all", ["==", ["get", "classification"], "SHA"], notClosed]),
    ];
  };

  C.hazardOutlineLayers = function (source, sourceLayer) {
    const classLine = ["case", ["==", ["get", "classification"], "CHA"], COLOURS.CHA_LINE, COLOURS.SHA_LINE];
    return [
      layer("hazards-line-open", "line", source, sourceLayer, { "line-color": classLine, "line-width": 2 },
        ["==", ["get", "status"], "open"]),
      layer("hazards-line-worked", "line", source, sourceLayer,
        { "line-color": COLOURS.worked_on, "line-width": 2.5, "line-dasharray": [3, 1.5] },
        ["==", ["get", "status"], "worked_on"]),
      layer("hazards-line-suspended", "line", source, sourceLayer,
        { "line-color": COLOURS.suspended, "line-width": 2.5, "line-dasharray": [0.6, 1.2] },
        ["==", ["get", "status"], "suspended"], { "line-cap": "round" }),
      layer("hazards-line-closed", "line", source, sourceLayer,
        { "line-color": COLOURS.closed, "line-width": 1.2 }, isClosed),
    ];
  };

  C.productLayers = function (source, sourceLayer) {
    const kind = ["get", "kind"];
    return [
      layer("products-fill", "fill", source, sourceLayer, {
        "fill-color": ["match", kind, "cancelled", COLOURS.cancelled, "reduced", COLOURS.reduced, COLOURS.cleared],
        "fill-opacity": 0.85,
      }),
      layer("products-line", "line", source, sourceLayer, {
        "line-color": ["match", kind, "cancelled", COLOURS.cancelled_line, "reduced", COLOURS.reduced_line,
          COLOURS.cleared_line],
        "line-width": 1,
      }),
    ];
  };

  /** Hazards as dots, for small scales (the tiles' ?geometry=point or =cluster): fill by class, ring by
   * status; a dot standing for several hazards (`count`) grows with the logarithm of their number. */
  C.hazardPointLayer = function (id, source, sourceLayer, maxzoom) {
    const grow = ["*", 0.8, ["ln", ["coalesce", ["get", "count"], 1]]];
    const spec = layer(id, "circle", source, sourceLayer, {
      "circle-color": ["case", isClosed, "#bdbdbd", ["==", ["get", "classification"], "CHA"], COLOURS.CHA, COLOURS.SHA],
      "circle-radius": ["interpolate", ["linear"], ["zoom"], 5, ["+", 2, grow], 9, ["+", 4, grow]],
      "circle-stroke-color": ["match", ["get", "status"], "worked_on", COLOURS.worked_on, "suspended", COLOURS.suspended,
        "closed", COLOURS.closed, ["case", ["==", ["get", "classification"], "CHA"], COLOURS.CHA_LINE, COLOURS.SHA_LINE]],
      "circle-stroke-width": 1,
    });
    spec.maxzoom = maxzoom;
    return spec;
  };

  C.pointLayer = function (id, source, sourceLayer, colour, radius) {
    return layer(id, "circle", source, sourceLayer, {
      "circle-color": colour, "circle-radius": radius, "circle-stroke-color": "#ffffff", "circle-stroke-width": ["interpolate", ["linear"], ["zoom"], 5, 0.5, 11, 1.5],
    });
  };

  C.symbologyColours = COLOURS;
})(window.Clearground);
