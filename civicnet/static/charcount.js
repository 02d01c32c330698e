// Live character counter for text areas with data-maxlength and data-counter="<id of the counter>".
// No maxlength attribute: the browser would cut a longer paste silently. The counter says how
// many characters there are and by how many the text is too long; the server refuses it with the
// same limit and keeps what was typed. Messages come from the page (data-template, data-over), so
// they are in the reader's language.
(function () {
  function update(area, counter) {
    var limit = parseInt(area.getAttribute("data-maxlength"), 10);
    var count = Array.from(area.value).length;  // code points, as the server counts
    var over = count - limit;
    var template = over > 0 ? counter.getAttribute("data-over") : counter.getAttribute("data-template");
    counter.textContent = template.replace("{count}", count.toLocaleString())
      .replace("{limit}", limit.toLocaleString()).replace("{over}", over.toLocaleString());
    counter.classList.toggle("over", over > 0);
    if (over > 0) { area.setAttribute("aria-invalid", "true"); }
    else if (!area.closest(".has-error")) { area.removeAttribute("aria-invalid"); }
  }
  document.querySelectorAll("textarea[data-maxlength][data-counter]").forEach(function (area) {
    var counter = document.getElementById(area.getAttribute("data-counter"));
    if (!counter) { return; }
    update(area, counter);
    area.addEventListener("input", function () { update(area, counter); });
  });
})();
