/* Live check-in dashboard: polls GET /api/v1/events/<slug>/stats every few seconds and
   redraws the numbers, the per-checkpoint table and the arrivals bars (same SVG shape as
   templates/manage/checkin/chart.html), without reloading the page. */
(function () {
  "use strict";

  var root = document.getElementById("checkin-dashboard");
  if (!root) { return; }
  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 640; // the chart's viewBox, as in templates/manage/checkin/chart.html
  var every = Number(root.dataset.refreshMs) || 5000;
  var lang = root.dataset.lang || "ko";
  var timeZone = root.dataset.timezone || undefined;

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function drawChart(arrivals) {
    var chart = document.getElementById("arrivals-chart");
    var slot = WIDTH / Math.max(arrivals.length, 12);
    var top = arrivals.reduce(function (max, b) { return Math.max(max, b.count); }, 0);
    var scale = 140 / Math.max(top, 1);
    var every = Math.ceil(arrivals.length / 8) || 1;
    var bars = chart.querySelector(".bars");
    var labels = chart.querySelector(".labels");
    bars.textContent = "";
    labels.textContent = "";
    arrivals.forEach(function (bucket, index) {
      var height = bucket.count * scale;
      var middle = index * slot + slot / 2;
      var rect = svg("rect", { x: (index * slot + slot * 0.15).toFixed(1), y: (170 - height).toFixed(1),
        width: (slot * 0.7).toFixed(1), height: height.toFixed(1) });
      rect.appendChild(svg("title", {}, bucket.label + ": " + bucket.count));
      bars.appendChild(rect);
      if (bucket.count && slot >= 24) {
        bars.appendChild(svg("text", { "class": "count", x: middle.toFixed(1), y: (165 - height).toFixed(1) }, String(bucket.count)));
      }
      if (index % every === 0) { labels.appendChild(svg("text", { x: middle.toFixed(1), y: 190 }, bucket.label)); }
    });
    document.getElementById("arrivals-empty").hidden = arrivals.length > 0;
  }

  function cell(row, field, value) {
    var node = row.querySelector('[data-field="' + field + '"]');
    if (node) { node.textContent = value; }
  }

  function drawCheckpoints(checkpoints) {
    var body = document.getElementById("checkpoint-rows");
    var known = {};
    Array.prototype.forEach.call(body.rows, function (row) { known[row.dataset.checkpoint] = row; });
    checkpoints.forEach(function (c) {
      var row = known[String(c.id)];
      if (!row) { row = newRow(c); body.appendChild(row); }
      ["checked_in", "inside", "scans", "refused"].forEach(function (f) { cell(row, f, c[f]); });
      var fill = row.querySelector('[data-field="fill"]');
      if (fill && c.capacity) { fill.style.width = Math.min(100, Math.round(c.inside * 100 / c.capacity)) + "%"; }
    });
  }

  function newRow(c) {
    var row = document.createElement("tr");
    row.dataset.checkpoint = c.id;
    var head = document.createElement("th");
    head.scope = "row";
    head.textContent = c.name;
    row.appendChild(head);
    ["checked_in", "inside", "scans", "refused"].forEach(function (field) {
      var td = document.createElement("td");
      var span = document.createElement("span");
      span.dataset.field = field;
      td.appendChild(span);
      row.appendChild(td);
    });
    return row;
  }

  /* The bars per choice of each choice question (counts of registrations not cancelled). */
  function drawChoices(questions) {
    questions.forEach(function (question) {
      var top = question.choices.reduce(function (max, c) { return Math.max(max, c.count); }, 1);
      question.choices.forEach(function (choice) {
        var row = root.querySelector('[data-question="' + question.id + '"] [data-choice="' + choice.id + '"]');
        if (!row) { return; }
        row.querySelector('[data-field="count"]').textContent = String(choice.count);
        row.querySelector('[data-field="bar"]').style.width = Math.round(choice.count * 100 / top) + "%";
      });
    });
  }

  function draw(stats) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-stat]"), function (node) {
      var value = stats[node.dataset.stat];
      if (value !== undefined) { node.textContent = value; }
    });
    drawCheckpoints(stats.checkpoints);
    drawChart(stats.arrivals);
    drawChoices(stats.questions || []);
    var updated = document.getElementById("stats-updated");
    updated.setAttribute("datetime", stats.generated_at);
    updated.textContent = new Date(stats.generated_at).toLocaleTimeString(lang, {
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone: timeZone });
    root.dataset.updated = stats.generated_at;
  }

  function poll() {
    fetch(root.dataset.statsUrl, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (stats) {
        draw(stats);
        root.querySelector(".live-note").classList.remove("is-stale");
      })
      .catch(function () { root.querySelector(".live-note").classList.add("is-stale"); })
      .then(function () { setTimeout(poll, every); });
  }

  setTimeout(poll, every);
})();
