// Ticket page: a "Print ticket" button (shown only when JavaScript can print).
(function () {
  "use strict";
  var button = document.querySelector("[data-print-ticket]");
  if (!button || typeof window.print !== "function") return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
