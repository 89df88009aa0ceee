/* Festa door scanner: what staff see and hear. Full-screen green / amber / red results,
   a short tone, the mode badge, recent scans, search hits and sync conflicts.
   All text comes translated from the page (data-messages). */

const AMBER = ["already_checked_in", "room_full"];
const ICONS = { go: "✓", wait: "!", stop: "✕" };
const RESULT_MS = 1600; // the result stays this long; scanning goes on underneath
const RECENT_MAX = 12;
const TONES = { go: [[880, 0, 0.12]], wait: [[660, 0, 0.09], [660, 0.15, 0.09]], stop: [[220, 0, 0.35]] };

function tone(result) {
  if (result === "ok") { return "go"; }
  return AMBER.includes(result) ? "wait" : "stop";
}

function fill(template, values) {
  return String(template).replace(/\{(\w+)\}/g, (match, key) =>
    (Object.prototype.hasOwnProperty.call(values, key) ? values[key] : match));
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) { node.className = className; }
  if (text !== undefined && text !== null) { node.textContent = text; }
  return node;
}

export class DoorUI {
  constructor(root, messages) {
    this.root = root;
    this.M = messages;
    this.lang = root.dataset.lang || "ko";
    this.timeZone = undefined;
    this.clock = null;
    this.result = root.querySelector("#result");
    this.recent = root.querySelector("#recent");
    this.audio = null;
    this.hideTimer = null;
    root.querySelector("#result-close").addEventListener("click", () => this.hideResult());
    // Browsers allow sound only after a gesture: unlock it on the first tap or key.
    ["pointerdown", "keydown"].forEach((type) => {
      document.addEventListener(type, () => this.unlockAudio(), { once: true });
    });
  }

  /* One formatter per zone: making one per call cost more than the rest of a scan. */
  time(iso) {
    if (!this.clock || this.clock.zone !== this.timeZone) {
      const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
      if (this.timeZone) { options.timeZone = this.timeZone; }
      this.clock = { zone: this.timeZone, format: new Intl.DateTimeFormat(this.lang, options) };
    }
    return this.clock.format.format(new Date(iso));
  }

  /* The translated title and reason of a result; a let-out is "exit", not "ok". */
  messagesFor(result, direction) {
    return this.M.results[direction === "exit" && result === "ok" ? "exit" : result] || this.M.results.error;
  }

  showCheckpoint(checkpoint) {
    this.timeZone = checkpoint.event.timezone;
    this.root.querySelector("#checkpoint-name").textContent = checkpoint.name;
    this.root.querySelector("#checkpoint-event").textContent = checkpoint.event.name +
      (checkpoint.session ? " · " + checkpoint.session.title : "");
    this.root.querySelector("#direction").hidden = !checkpoint.counts_exits;
    this.root.querySelector("#unpaired").hidden = true;
    this.root.querySelector("#scan-ui").hidden = false;
  }

  showUnpaired(text) {
    const box = this.root.querySelector("#unpaired");
    if (text) { box.querySelector("p").textContent = text; }
    box.hidden = false;
    this.root.querySelector("#scan-ui").hidden = true;
  }

  showMode(online) {
    const badge = this.root.querySelector("#mode-badge");
    badge.textContent = online ? this.M.online : this.M.offline;
    badge.className = "mode-badge " + (online ? "mode-online" : "mode-offline");
    this.root.classList.toggle("is-offline", !online);
  }

  showCounts(inside, capacity, pending) {
    let text = "";
    if (inside !== null && inside !== undefined) {
      text = capacity ? fill(this.M.inside_of, { n: inside, capacity })
        : fill(this.M.inside, { n: inside });
    }
    this.root.querySelector("#inside-count").textContent = text;
    this.root.querySelector("#pending-count").textContent = pending ? fill(this.M.pending, { n: pending }) : "";
  }

  showResult(view) {
    const messages = this.messagesFor(view.result, view.direction);
    const box = this.result;
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
    clearTimeout(this.hideTimer);
    this.hideTimer = setTimeout(() => this.hideResult(), RESULT_MS);
  }

  hideResult() {
    clearTimeout(this.hideTimer);
    this.result.hidden = true;
    const input = this.root.querySelector("#code-input");
    const active = document.activeElement;
    if (!active || active === document.body || this.result.contains(active)) { input.focus(); }
  }

  unlockAudio() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!this.audio && Context) { this.audio = new Context(); }
    if (this.audio && this.audio.state === "suspended") { this.audio.resume(); }
  }

  /* A short tone: one high beep to let in, two for "look again", a low buzz to stop. */
  beep(kind) {
    if (!this.audio || this.audio.state !== "running") { return; }
    const audio = this.audio;
    TONES[kind].forEach(([frequency, start, length]) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = kind === "stop" ? "square" : "sine";
      osc.frequency.value = frequency;
      gain.gain.value = 0.15;
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + start);
      osc.stop(audio.currentTime + start + length);
    });
  }

  /* One line per scan in the recent list; `entry.status` is synced, pending, conflict or undone. */
  renderRecent(entries) {
    this.recent.textContent = "";
    entries.slice(0, RECENT_MAX).forEach((entry) => {
      const item = el("li", "recent-item recent-" + tone(entry.result));
      item.dataset.result = entry.result;
      item.dataset.status = entry.status;
      item.appendChild(el("span", "recent-time", this.time(entry.at)));
      item.appendChild(el("span", "recent-result", this.messagesFor(entry.result, entry.direction).title));
      item.appendChild(el("span", "recent-name", entry.name || ""));
      const quiet = entry.status === "synced" && entry.mode === "online"; // nothing to tell
      item.appendChild(el("span", "recent-status", quiet ? "" : this.M["status_" + entry.status] || ""));
      this.recent.appendChild(item);
    });
  }

  renderSearch(hits, onPick) {
    const list = this.root.querySelector("#search-results");
    const M = this.M;
    list.textContent = "";
    hits.forEach((hit) => {
      const item = el("li", "search-hit");
      const who = el("span", "search-who");
      who.appendChild(el("strong", null, hit.name));
      who.appendChild(el("span", "muted", " " + hit.email + " · #" + hit.ticket_id));
      item.appendChild(who);
      if (!hit.valid) {
        item.appendChild(el("span", "badge badge-bad", M.cancelled));
      } else if (hit.inside) {
        item.appendChild(el("span", "badge badge-ok", M.inside_here));
      } else {
        const button = el("button", "button primary", M.check_in);
        button.type = "button";
        button.addEventListener("click", () => onPick(hit));
        item.appendChild(button);
      }
      list.appendChild(item);
    });
  }

  say(text) {
    this.root.querySelector("#search-message").textContent = text || "";
  }

  addConflict(entry, server, previous) {
    const box = this.root.querySelector("#conflicts-box");
    const title = (this.M.results[server] || this.M.results.error).title;
    const where = previous ? " " + fill(this.M.previous, { checkpoint: previous.checkpoint, time: this.time(previous.at) }) : "";
    const item = el("li", "conflict-item", (entry.name || entry.code.slice(0, 12) + "…") + " — " +
      fill(this.M.conflict, { server: title }) + where);
    item.dataset.result = server;
    this.root.querySelector("#conflicts").appendChild(item);
    box.hidden = false;
  }
}
