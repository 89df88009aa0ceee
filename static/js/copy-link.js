// "Copy link" buttons (data-copy holds the URL): shown only where the clipboard works; the
// page's status line says it was copied. Without JavaScript the link itself is on the page.
(function () {
  "use strict";
  if (!navigator.clipboard || !window.isSecureContext) { return; }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(function () {
        var status = document.querySelector(".copy-status");
        if (status) { status.textContent = button.dataset.copied; }
      });
    });
  });
})();
