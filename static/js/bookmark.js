// ☆ bookmarks, enhanced: the star's form is sent with fetch and the star flips in place
// (no reload, focus stays on the button). Any failure falls back to sending the form the
// ordinary way, whose answer page explains.
(function () {
  "use strict";
  function show(form, marked) {
    var button = form.querySelector("button.star");
    button.setAttribute("aria-pressed", marked ? "true" : "false");
    form.querySelector(".star-glyph").textContent = marked ? "\u2605" : "\u2606";
    form.querySelector("input[name=bookmarked]").value = marked ? "0" : "1";
    form.action = marked ? form.dataset.off : form.dataset.on;
    var row = form.closest("[data-bookmarked]");
    if (row) { row.dataset.bookmarked = marked ? "true" : "false"; }
  }
  document.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-bookmark]") : null;
    if (!form || !window.fetch) { return; }
    event.preventDefault();
    var button = form.querySelector("button.star");
    button.disabled = true;
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (body) {
      button.disabled = false;
      show(form, body.bookmarked);
      button.focus();
    }).catch(function () {
      button.disabled = false;
      form.submit();
    });
  });
})();
