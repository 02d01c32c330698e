// Live arrivals on the check-in page: polls a small JSON endpoint every 5 seconds.
(function () {
  var box = document.getElementById("checkin-stats");
  if (!box || !window.fetch) { return; }
  var ids = {arrived: "arrived", registered: "registered", arrived_people: "arrived-people",
             registered_people: "registered-people"};
  function refresh() {
    fetch(box.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        Object.keys(ids).forEach(function (key) {
          var el = document.getElementById(ids[key]);
          if (el) { el.textContent = data[key]; }
        });
      })
      .catch(function () {});
  }
  setInterval(refresh, 5000);
})();
