// Print to PDF and the parcel status statement from the map page (decision 0061). Both forms are plain
// forms the server answers with a PDF; the script only fills in what the map knows: its centre, the layers
// shown and the filters, and the area drawn with the Measure tool.
(function () {
  const map = window.cgMap;
  if (!map) return;

  const shownLayers = () => Array.from(document.querySelectorAll('#atlas-filters input[name="layer"]:checked'))
    .map((input) => input.value);

  const printForm = document.getElementById("print-form");
  printForm.addEventListener("submit", () => {
    const centre = map.getCenter().wrap();
    printForm.elements.lon.value = centre.lng.toFixed(6);
    printForm.elements.lat.value = centre.lat.toFixed(6);
    printForm.querySelectorAll("input[data-copied]").forEach((input) => input.remove());
    const add = (name, value) => {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      input.dataset.copied = "";
      printForm.appendChild(input);
    };
    // The layers shown and the filters as the map applies them, so that the paper shows what the screen does.
    shownLayers().forEach((name) => add("layer", name));
    const filters = document.getElementById("atlas-filters");
    add("filtered", "1");
    ["classification", "status"].forEach((name) => {
      filters.querySelectorAll(`input[name="${name}"]:checked`).forEach((input) => add(name, input.value));
    });
    if (filters.elements.organisation.value) add("organisation", filters.elements.organisation.value);
    // The basemap shown (decision 0063): an offline one is drawn under the layers, "none" for outlines only.
    const basemap = document.querySelector('input[name="basemap"]:checked');
    if (basemap) add("basemap", basemap.value || "none");
  });

  const statementForm = document.getElementById("statement-form");
  statementForm.addEventListener("submit", (e) => {
    const use = e.submitter ? e.submitter.value : "centre";
    let geometry;
    if (use === "area") {
      const points = JSON.parse(document.getElementById("measure-result").dataset.points || "[]");
      geometry = { type: "Polygon", coordinates: [points.concat(points.length ? [points[0]] : [])] };
    } else {
      const centre = map.getCenter().wrap();
      geometry = { type: "Point", coordinates: [Number(centre.lng.toFixed(6)), Number(centre.lat.toFixed(6))] };
    }
    statementForm.elements.geojson.value = JSON.stringify(geometry);
  });
})();
