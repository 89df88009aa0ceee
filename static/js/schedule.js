// Schedule filters, enhanced: the filter panel starts open on wide screens and a changed
// select applies at once. Without JavaScript the same GET form works with its button.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosubmit]");
  if (!form) { return; }
  var more = form.querySelector("details.filter-more");
  if (more && window.matchMedia("(min-width: 960px)").matches) { more.open = true; }
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () {
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    });
  });
})();
