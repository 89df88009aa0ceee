/* Festa door scanner: what staff see and hear. Full-screen green / amber / red results,
   a short tone, the mode badge, recent scans, search hits and sync conflicts.
   All text comes translated from the page (data-messages). */
(function () {
  "use strict";

  var AMBER = ["already_checked_in", "room_full"];
  var ICONS = { go: "✓", wait: "!", stop: "✕" };
  var RESULT_MS = 1600; // the result stays this long; scanning goes on underneath
  var RECENT_MAX = 12;

  function tone(result) {
    if (result === "ok") { return "go"; }
    return AMBER.indexOf(result) >= 0 ? "wait" : "stop";
  }

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : match;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function DoorUI(root, messages) {
    this.root = root;
    this.M = messages;
    this.lang = root.dataset.lang || "ko";
    this.timeZone = undefined;
    this.result = root.querySelector("#result");
    this.recent = root.querySelector("#recent");
    this.audio = null;
    this.hideTimer = null;
    var self = this;
    root.querySelector("#result-close").addEventListener("click", function () { self.hideResult(); });
    // Browsers allow sound only after a gesture: unlock it on the first tap or key.
    ["pointerdown", "keydown"].forEach(function (type) {
      document.addEventListener(type, function () { self.unlockAudio(); }, { once: true });
    });
  }

  DoorUI.prototype.time = function (iso) {
    var options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (this.timeZone) { options.timeZone = this.timeZone; }
    return new Date(iso).toLocaleTimeString(this.lang, options);
  };

  DoorUI.prototype.showCheckpoint = function (checkpoint) {
    this.timeZone = checkpoint.event.timezone;
    this.root.querySelector("#checkpoint-name").textContent = checkpoint.name;
    this.root.querySelector("#checkpoint-event").textContent = checkpoint.event.name +
      (checkpoint.session ? " · " + checkpoint.session.title : "");
    this.root.querySelector("#direction").hidden = !checkpoint.counts_exits;
    this.root.querySelector("#unpaired").hidden = true;
    this.root.querySelector("#scan-ui").hidden = false;
  };

  DoorUI.prototype.showUnpaired = function (text) {
    var box = this.root.querySelector("#unpaired");
    if (text) { box.querySelector("p").textContent = text; }
    box.hidden = false;
    this.root.querySelector("#scan-ui").hidden = true;
  };

  DoorUI.prototype.showMode = function (online) {
    var badge = this.root.querySelector("#mode-badge");
    badge.textContent = online ? this.M.online : this.M.offline;
    badge.className = "mode-badge " + (online ? "mode-online" : "mode-offline");
    this.root.classList.toggle("is-offline", !online);
  };

  DoorUI.prototype.showCounts = function (inside, capacity, pending) {
    var text = "";
    if (inside !== null && inside !== undefined) {
      text = capacity ? fill(this.M.inside_of, { n: inside, capacity: capacity })
        : fill(this.M.inside, { n: inside });
    }
    this.root.querySelector("#inside-count").textContent = text;
    this.root.querySelector("#pending-count").textContent = pending ? fill(this.M.pending, { n: pending }) : "";
  };

  DoorUI.prototype.showResult = function (view) {
    var messages = this.M.results[view.direction === "exit" && view.result === "ok" ? "exit" : view.result] ||
      this.M.results.error;
    var box = this.result;
    box.className = "result result-" + tone(view.result);
    box.querySelector(".result-icon").textContent = ICONS[tone(view.result)];
    box.querySelector(".result-title").textContent = messages.title;
    box.querySelector(".result-name").textContent = view.name || "";
    box.querySelector(".result-reason").textContent = view.reason || messages.reason;
    box.querySelector(".result-previous").textContent = view.previous ?
      fill(this.M.previous, { checkpoint: view.previous.checkpoint, time: this.time(view.previous.at) }) : "";
    box.querySelector(".result-mode").textContent = view.mode === "offline" ? this.M.decided_offline : "";
    box.hidden = false;
    this.beep(tone(view.result));
    var self = this;
    clearTimeout(this.hideTimer);
    this.hideTimer = setTimeout(function () { self.hideResult(); }, RESULT_MS);
  };

  DoorUI.prototype.hideResult = function () {
    clearTimeout(this.hideTimer);
    this.result.hidden = true;
    var input = this.root.querySelector("#code-input");
    var active = document.activeElement;
    if (!active || active === document.body || this.result.contains(active)) { input.focus(); }
  };

  DoorUI.prototype.unlockAudio = function () {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!this.audio && Context) { this.audio = new Context(); }
    if (this.audio && this.audio.state === "suspended") { this.audio.resume(); }
  };

  /* A short tone: one high beep to let in, two for "look again", a low buzz to stop. */
  DoorUI.prototype.beep = function (kind) {
    if (!this.audio || this.audio.state !== "running") { return; }
    var plan = { go: [[880, 0, 0.12]], wait: [[660, 0, 0.09], [660, 0.15, 0.09]], stop: [[220, 0, 0.35]] }[kind];
    var audio = this.audio;
    plan.forEach(function (step) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.type = kind === "stop" ? "square" : "sine";
      osc.frequency.value = step[0];
      gain.gain.value = 0.15;
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + step[1]);
      osc.stop(audio.currentTime + step[1] + step[2]);
    });
  };

  /* One line in the recent list; `entry.status` is synced, waiting, conflict or undone. */
  DoorUI.prototype.renderRecent = function (entries) {
    var M = this.M;
    var self = this;
    this.recent.textContent = "";
    entries.slice(0, RECENT_MAX).forEach(function (entry) {
      var item = el("li", "recent-item recent-" + tone(entry.result));
      item.dataset.result = entry.result;
      item.dataset.status = entry.status;
      item.appendChild(el("span", "recent-time", self.time(entry.at)));
      var title = (M.results[entry.direction === "exit" && entry.result === "ok" ? "exit" : entry.result] ||
        M.results.error).title;
      item.appendChild(el("span", "recent-result", title));
      item.appendChild(el("span", "recent-name", entry.name || ""));
      var quiet = entry.status === "synced" && entry.mode === "online"; // nothing to tell
      item.appendChild(el("span", "recent-status", quiet ? "" : M["status_" + entry.status] || ""));
      self.recent.appendChild(item);
    });
  };

  DoorUI.prototype.renderSearch = function (hits, onPick) {
    var list = this.root.querySelector("#search-results");
    var M = this.M;
    list.textContent = "";
    hits.forEach(function (hit) {
      var item = el("li", "search-hit");
      var who = el("span", "search-who");
      who.appendChild(el("strong", null, hit.name));
      who.appendChild(el("span", "muted", " " + hit.email + " · #" + hit.ticket_id));
      item.appendChild(who);
      if (!hit.valid) {
        item.appendChild(el("span", "badge badge-bad", M.cancelled));
      } else if (hit.inside) {
        item.appendChild(el("span", "badge badge-ok", M.inside_here));
      } else {
        var button = el("button", "button primary", M.check_in);
        button.type = "button";
        button.addEventListener("click", function () { onPick(hit); });
        item.appendChild(button);
      }
      list.appendChild(item);
    });
  };

  DoorUI.prototype.say = function (text) {
    this.root.querySelector("#search-message").textContent = text || "";
  };

  DoorUI.prototype.addConflict = function (entry, server, previous) {
    var box = this.root.querySelector("#conflicts-box");
    var title = (this.M.results[server] || this.M.results.error).title;
    var where = previous ? " " + fill(this.M.previous, { checkpoint: previous.checkpoint, time: this.time(previous.at) }) : "";
    var item = el("li", "conflict-item", (entry.name || entry.code.slice(0, 12) + "…") + " — " +
      fill(this.M.conflict, { server: title }) + where);
    item.dataset.result = server;
    this.root.querySelector("#conflicts").appendChild(item);
    box.hidden = false;
  };

  window.FestaDoorUI = DoorUI;
})();
