// The progress bar of a report being generated: polls the request's status until it is done or failed.
(function () {
  "use strict";
  var box = document.querySelector("[data-report-status]");
  if (!box) return;
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-report-text]");
  var done = box.querySelector("[data-report-done]");
  var link = box.querySelector("[data-report-download]");
  var error = box.querySelector("[data-report-error]");
  var message = box.querySelector("[data-report-message]");
  function show(state) {
    bar.value = state.progress;
    bar.textContent = state.progress + "%";
    text.textContent = state.status_display + (state.status === "done" || state.status === "failed" ? "" : " · " + state.progress + "%");
    if (state.status === "done") {
      link.href = state.download;
      done.hidden = false;
    }
    if (state.status === "failed") {
      message.textContent = state.message;
      error.hidden = false;
    }
    return state.status === "done" || state.status === "failed";
  }
  function poll() {
    fetch(box.getAttribute("data-report-status"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) { if (!show(state)) window.setTimeout(poll, 1000); })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
