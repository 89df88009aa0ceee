// Session choices, enhanced: a session that overlaps a ticked one is greyed out with a
// note naming it, so nobody sends a form the server would refuse (one seat per person at a
// time). Without JavaScript the server's 422 says the same after sending.
(function () {
  "use strict";
  document.querySelectorAll("fieldset[data-overlap-text]").forEach(function (fieldset) {
    var boxes = Array.prototype.slice.call(
      fieldset.querySelectorAll("input[type=checkbox][data-starts]"));
    var times = boxes.map(function (box) {
      return { start: Date.parse(box.dataset.starts), end: Date.parse(box.dataset.ends) };
    });
    function overlaps(i, j) {
      return times[i].start < times[j].end && times[j].start < times[i].end;
    }
    function update() {
      boxes.forEach(function (box, i) {
        var clash = null;
        boxes.forEach(function (other, j) {
          if (!clash && j !== i && other.checked && overlaps(i, j)) { clash = other; }
        });
        var note = document.getElementById("overlap-" + box.id);
        var text = clash ? fieldset.dataset.overlapText.replace("{title}", clash.dataset.title) : "";
        if (note && note.textContent !== text) { note.textContent = text; }
        // A ticked box stays usable so it can be unticked; the others wait for it.
        box.disabled = Boolean(clash) && !box.checked;
        box.closest(".choice-row").classList.toggle("is-clashing", Boolean(clash));
      });
    }
    fieldset.addEventListener("change", update);
    update();
  });
})();

// Questions asked only of a session's seat holders appear once that session is ticked.
// Without JavaScript they stay visible with the note naming the session, and the server
// asks them only of those who reserve it.
(function () {
  "use strict";
  var asked = document.querySelectorAll("[data-question][data-session]");
  if (!asked.length) { return; }
  function update() {
    asked.forEach(function (block) {
      var box = document.querySelector(
        "input[name=sessions][value='" + block.dataset.session + "']");
      block.hidden = Boolean(box) && !box.checked;
    });
  }
  document.addEventListener("change", update);
  update();
})();
