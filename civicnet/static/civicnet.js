// Small behaviours shared by every page, kept out of the HTML so the Content-Security-Policy
// can forbid inline script. A read-only field marked data-select-on-click selects its whole
// value when clicked (private edit links that people copy).
document.addEventListener("click", function (event) {
  var field = event.target.closest && event.target.closest("[data-select-on-click]");
  if (field && typeof field.select === "function") {
    field.select();
  }
});
