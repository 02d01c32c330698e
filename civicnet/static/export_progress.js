// The prepared export's page: ask its status.json twice a second (most files take a few seconds,
// and a bar that moves once a second looks stuck) and move the progress bar; when
// the file is ready (or failed), load the page again to show the download. Without JavaScript
// the page refreshes itself (<noscript> meta refresh).
(function () {
  "use strict";
  var box = document.getElementById("export");
  if (!box) return;
  var bar = document.getElementById("export-progress");
  var text = document.getElementById("export-message");
  var url = box.getAttribute("data-status-url");
  var POLL_MS = 500;
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (s) {
        bar.value = s.percent;
        bar.textContent = s.percent + "%";
        text.textContent = s.message;
        box.setAttribute("data-state", s.state);
        if (s.finished) { window.location.reload(); } else { window.setTimeout(poll, POLL_MS); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, POLL_MS);
})();
