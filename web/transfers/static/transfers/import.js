// The import page: "Run import" queues the run through the imports API, then the <progress> follows the
// job (GET /api/v1/jobs/<id>/) until it is done. Without JavaScript the form posts and the page reloads.
(function (C) {
  const section = document.getElementById("progress-section");
  if (!section) return;
  const bar = section.querySelector("progress");
  const text = section.querySelector("[data-progress-text]");
  const form = document.getElementById("run-form");

  function show(job) {
    const percent = job.progress ? job.progress.percent : null;
    if (percent === null || percent === undefined) {
      bar.removeAttribute("value");
    } else {
      bar.setAttribute("value", String(percent));
      text.textContent = C.number(percent, 0) + " %";
    }
    if (job.status === "done") {
      bar.setAttribute("value", "100");
      text.textContent = C.number(100, 0) + " %";
      section.querySelector("[data-done]").hidden = false;
    } else if (job.status === "failed") {
      section.querySelector("[data-failed]").hidden = false;
    }
  }

  function poll(url) {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((r) => r.json())
      .then((job) => {
        show(job);
        if (job.status !== "done" && job.status !== "failed") setTimeout(() => poll(url), 1000);
      });
  }

  if (section.dataset.running && section.dataset.jobUrl) poll(section.dataset.jobUrl);

  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = form.querySelector("button");
      button.disabled = true;
      fetch(form.dataset.runApi, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": C.csrf() },
        body: JSON.stringify({ approve: false }),
      })
        .then((r) => r.json().then((body) => ({ ok: r.ok, body })))
        .then(({ ok, body }) => {
          if (!ok) {
            const error = form.querySelector("[data-run-error]");
            error.textContent = body.detail || "";
            error.hidden = false;
            button.disabled = false;
            return;
          }
          form.hidden = true;
          section.hidden = false;
          section.dataset.jobUrl = body.status_url;
          show(body.job);
          poll(body.status_url);
        });
    });
  }
})(window.Clearground);
