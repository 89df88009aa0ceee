// The session form: ask the server which conflicts the current values would cause,
// and show them before the organizer saves. Nothing is saved by this check.
(function () {
  "use strict";
  var form = document.getElementById("session-form");
  var box = document.getElementById("draft-warnings");
  if (!form || !box || !window.fetch) { return; }
  var list = box.querySelector("ul");
  var timer = null;

  function show(conflicts) {
    list.textContent = "";
    conflicts.forEach(function (c) {
      var item = document.createElement("li");
      item.dataset.code = c.code;
      item.textContent = c.message;
      list.appendChild(item);
    });
    box.hidden = conflicts.length === 0;
  }

  function check() {
    fetch(form.dataset.checkUrl, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : { conflicts: [] };
    }).then(function (data) { show(data.conflicts || []); })
      .catch(function () { /* offline or server busy: the check after saving still runs */ });
  }

  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
})();
