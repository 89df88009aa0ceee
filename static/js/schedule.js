// Schedule filters, enhanced: the filter panel starts open on wide screens; the search runs
// as you type (after a short pause) and a changed select applies at once, both in place:
// the results are fetched and swapped in, the address follows, the focus stays where it
// is. So the "Apply filters" button is not needed and hides. Without JavaScript the same
// GET form works with its button.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosubmit]");
  var results = document.getElementById("schedule-results");
  if (!form || !results || !window.fetch || !window.DOMParser) { return; }
  var more = form.querySelector("details.filter-more");
  if (more && window.matchMedia("(min-width: 960px)").matches) { more.open = true; }
  var apply = form.querySelector("[data-apply]");
  if (apply) { apply.hidden = true; }
  var latest = 0;
  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    Array.from(params.keys()).forEach(function (key) {
      if (!params.get(key)) { params.delete(key); }
    });
    var url = form.action + (params.toString() ? "?" + params.toString() : "");
    var mine = ++latest;
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.text();
    }).then(function (html) {
      if (mine !== latest) { return; }  // a newer search went out meanwhile
      var fresh = new DOMParser().parseFromString(html, "text/html")
        .getElementById("schedule-results");
      if (!fresh) { window.location.assign(url); return; }
      results.innerHTML = fresh.innerHTML;
      window.history.replaceState(null, "", url);
    }).catch(function () { window.location.assign(url); });
  }
  var timer = null;
  form.querySelector("input[type=search]").addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 350);
  });
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", refresh);
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); refresh(); });
})();
