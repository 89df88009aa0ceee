/* Festa door scanner: scans from the camera, a hand-held scanner or search go to the scan
   API; when the network is gone the page decides offline (door-offline.js), keeps the
   scans in IndexedDB and syncs them, with the same client_scan_id, when it is back.
   After every scan #scanner carries data-scan-result and data-scan-mode (the contract). */
import * as offline from "./door-offline.js";
import { DoorUI } from "./door-ui.js";

const TOKEN_KEY = "festa-door-token";
export const DEVICE_CHECKPOINT_KEY = "festa-door-checkpoint";
export const HEARTBEAT_MS = 5000;
const BUNDLE_MS = 30000; // a refresh is a small delta: changes since the version held
const SAME_CODE_MS = 1500; // a code in view keeps being read: act on it once

/* Work that can wait until the result is on screen: after the next frame is painted. */
function afterPaint(work) {
  return new Promise((resolve) => {
    let done = false;
    const run = () => { if (!done) { done = true; resolve(work()); } };
    requestAnimationFrame(() => setTimeout(run, 0));
    setTimeout(run, 250); // a hidden page gets no frames
  });
}

/* What the page shows and lists for one scan, online, offline or refused alike:
   `fields` adds the result and whatever else is known. */
function scanView(item, fields) {
  return Object.assign({
    id: item.client_scan_id, code: item.code, direction: item.direction, at: item.scanned_at,
    name: null, mode: "online", status: "synced"
  }, fields);
}

/* The scanner behind the #scanner element: its state and what it does with a scan. */
export function createDoor(root) {
  const M = JSON.parse(root.dataset.messages);
  const ui = new DoorUI(root, M);

  const state = {
    token: localStorage.getItem(TOKEN_KEY),
    checkpoint: null,
    bundle: null,
    overlay: {},
    online: navigator.onLine,
    syncing: false,
    bundleAt: 0,
    recent: [],
    chain: Promise.resolve(),
    lastCode: "",
    lastSeen: 0,
    scans: 0,
    pending: 0
  };

  function request(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (state.token) {
      headers.Authorization = "Bearer " + state.token;
    } else {
      const meta = document.querySelector('meta[name="csrf-token"]');
      if (meta) { headers["X-CSRFToken"] = meta.content; }
    }
    return fetch(root.dataset.api + path, {
      method, headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then((response) => response.json().catch(() => null)
      .then((data) => ({ status: response.status, data })));
  }

  function base() { return "/checkpoints/" + state.checkpoint.id; }

  function setOnline(online) {
    root.dataset.scanMode = online ? "online" : "offline";
    ui.showMode(online);
    if (state.online === online) { return; }
    state.online = online;
    // Back online: send what was scanned meanwhile, and fetch what changed meanwhile.
    if (online) { sync().then((refreshed) => refreshed || refreshBundle()); }
  }

  function showCounts() {
    const inside = state.bundle ? offline.insideCount(state.bundle, state.overlay) : null;
    const capacity = state.checkpoint ? state.checkpoint.capacity : null;
    root.dataset.pending = String(state.pending);
    ui.showCounts(inside, capacity, state.pending);
  }

  /* The numbers shown: who is inside (from memory) and the scans still queued (stored). */
  function counts() {
    return offline.idb.count("queue").then((pending) => {
      state.pending = pending;
      showCounts();
    });
  }

  function saveOverlay() {
    return offline.idb.put("overlay", state.overlay, state.checkpoint.id);
  }

  /* What this device saw (in memory at once, the next decision needs it; stored later). */
  function noteTicket(ticketId, direction, inside) {
    state.overlay[ticketId] = { inside: inside && direction === "entry", t: Date.now() };
  }

  function note(code, direction, inside) {
    const parsed = offline.parseCode(offline.extractCode(code));
    if (parsed) { noteTicket(parsed.ticketId, direction, inside); saveOverlay(); }
  }

  function lastUndoable() {
    return state.recent.find((entry) => entry.result === "ok" && entry.direction === "entry" &&
      entry.status !== "undone" && entry.status !== "conflict");
  }

  function remember(view) {
    state.recent.unshift(view);
    ui.renderRecent(state.recent);
    root.querySelector("#undo-button").disabled = !lastUndoable();
  }

  /* The result first; the recent list and the counts once it is on screen. */
  function show(view) {
    state.scans += 1;
    ui.showResult(view);
    root.dataset.scanMode = view.mode;
    root.dataset.scanResult = view.result;
    root.dataset.scanCount = String(state.scans);
    return afterPaint(() => { remember(view); showCounts(); });
  }

  function fromServer(data, item, mode) {
    return scanView(item, {
      result: data.result, name: data.attendee ? data.attendee.name : null,
      previous: data.previous || null, scanId: data.scan_id, badge: data.badge || null, mode
    });
  }

  /* view → its IndexedDB writes (the queued scan, what this device saw), started once the
     answer is on screen. */
  const queueWrites = new WeakMap();

  function decideOffline(item) {
    if (!state.bundle) { return Promise.resolve(scanView(item, { result: "error", mode: "offline" })); }
    return offline.decide(state.bundle, state.overlay, item.code, item.direction).then((answer) => {
      item.local_result = answer.result;
      item.name = answer.name || null;
      const admitted = answer.result === "ok";
      if (admitted) { noteTicket(answer.ticketId, item.direction, true); }
      const view = scanView(item, {
        result: answer.result, name: answer.name || (admitted ? M.unknown_name : null),
        mode: "offline", status: "pending"
      });
      queueWrites.set(view, () => Promise.all([offline.idb.put("queue", item),
        admitted ? saveOverlay() : null]).then(() => { state.pending += 1; }));
      return view;
    });
  }

  /* Fetch the attendee's badge with this scanner's credentials and print it from the
     hidden frame; #scanner's data-badge-print says what the server recorded
     (badge.print or badge.reprint), or "failed". Before printing, #scanner gets a
     cancelable "festa:print-badge" event. */
  function printBadge(path) {
    const headers = {};
    if (state.token) { headers.Authorization = "Bearer " + state.token; }
    root.dataset.badgePrint = "loading";
    ui.say(M.badge_printing);
    return fetch(root.dataset.api + path, { headers, credentials: "same-origin", cache: "no-store" })
      .then((response) => {
        if (!response.ok) { throw new Error(String(response.status)); }
        const action = response.headers.get("X-Badge-Print") || "badge.print";
        return response.blob().then((blob) => {
          const frame = root.querySelector("#badge-frame");
          if (frame.dataset.url) { URL.revokeObjectURL(frame.dataset.url); }
          frame.dataset.url = URL.createObjectURL(blob);
          frame.onload = () => {
            // A cancelable event first: a kiosk's own printing (or a test) may take over.
            const asked = new CustomEvent("festa:print-badge", {
              cancelable: true, detail: { action, blob }
            });
            if (root.dispatchEvent(asked)) { frame.contentWindow.print(); }
          };
          frame.src = frame.dataset.url;
          root.dataset.badgePrint = action;
        });
      }).catch(() => { root.dataset.badgePrint = "failed"; ui.say(M.badge_failed); });
  }

  /* At a badge-printing checkpoint: print on first entry, offer a reprint afterwards. */
  function offerBadge(view) {
    const button = root.querySelector("#badge-reprint");
    button.hidden = !(view.badge && view.mode === "online" &&
      (view.result === "ok" || view.result === "already_checked_in"));
    button.onclick = () => printBadge(view.badge);
    if (view.badge && view.mode === "online" && view.result === "ok" && view.direction === "entry") {
      printBadge(view.badge);
    }
  }

  function scan(text) {
    const code = offline.extractCode(text);
    if (!code || !state.checkpoint) { return Promise.resolve(); }
    const checked = root.querySelector('input[name="direction"]:checked');
    const item = {
      client_scan_id: crypto.randomUUID(), checkpoint_id: state.checkpoint.id, code,
      direction: checked ? checked.value : "entry", scanned_at: new Date().toISOString(), seq: Date.now()
    };
    const asked = state.online ? request("POST", base() + "/scans", {
      code, direction: item.direction, client_scan_id: item.client_scan_id
    }).catch(() => { setOnline(false); return null; }) : Promise.resolve(null);
    return asked.then((response) => {
      if (response && response.status === 200) {
        const view = fromServer(response.data, item, "online");
        const parsed = offline.parseCode(code);
        if (response.data.result === "ok" && parsed) {
          noteTicket(parsed.ticketId, item.direction, true);
          queueWrites.set(view, saveOverlay);
        }
        return view;
      }
      if (response && response.status < 500) {
        const error = response.data && response.data.error;
        return scanView(item, { result: "error", reason: error ? error.message : "" });
      }
      return decideOffline(item);
    }).then((view) => {
      const shown = show(view);
      offerBadge(view);
      const save = queueWrites.get(view);
      // Stored once the answer is on screen; the next scan waits for it (queue order).
      return save && shown.then(save).then(showCounts);
    });
  }

  /* A person found by search: the hit carries a ticket id, never a code, so this scan is
     sent as {"ticket_id"} and needs the network (search does too). */
  function scanTicket(ticketId) {
    if (!state.checkpoint) { return Promise.resolve(); }
    const checked = root.querySelector('input[name="direction"]:checked');
    const item = {
      client_scan_id: crypto.randomUUID(), checkpoint_id: state.checkpoint.id, code: "#" + ticketId,
      direction: checked ? checked.value : "entry", scanned_at: new Date().toISOString(), seq: Date.now()
    };
    return request("POST", base() + "/scans", {
      ticket_id: ticketId, direction: item.direction, client_scan_id: item.client_scan_id
    }).then((response) => {
      if (response.status === 200) {
        if (response.data.result === "ok") { noteTicket(ticketId, item.direction, true); }
        return fromServer(response.data, item, "online");
      }
      const error = response.data && response.data.error;
      return scanView(item, { result: "error", reason: error ? error.message : "" });
    }, () => {
      setOnline(false);
      return scanView(item, { result: "error", reason: M.search_offline });
    }).then(show);
  }

  function enqueue(text) {
    state.chain = state.chain.then(() => scan(text)).catch(() => {});
    return state.chain;
  }

  function enqueueTicket(ticketId) {
    state.chain = state.chain.then(() => scanTicket(ticketId)).catch(() => {});
    return state.chain;
  }

  /* Send the queued scans; resolves to whether the bundle was refreshed afterwards. */
  function sync() {
    if (state.syncing || !state.online || !state.checkpoint) { return Promise.resolve(false); }
    state.syncing = true;
    return offline.idb.all("queue").then((queue) => {
      const mine = queue.filter((i) => i.checkpoint_id === state.checkpoint.id);
      mine.sort((a, b) => a.seq - b.seq);
      return mine.reduce((done, item) => done.then((goOn) => goOn && syncOne(item)),
        Promise.resolve(true)).then((complete) => complete && mine.length > 0);
    }).then((sentSome) => {
      state.syncing = false;
      counts();
      // Only scans sent from the queue make the bundle stale; an empty queue (as at start-up,
      // right after the first bundle came) must not fetch it a second time.
      return sentSome ? refreshBundle().then(() => true) : false;
    }, () => { state.syncing = false; return false; });
  }

  function syncOne(item) {
    return request("POST", "/checkpoints/" + item.checkpoint_id + "/scans", {
      code: item.code, direction: item.direction, scanned_at: item.scanned_at,
      client_scan_id: item.client_scan_id, mode: "offline"
    }).then((response) => {
      if (response.status >= 500) { return false; }
      if (response.status === 401 || response.status === 403) {
        ui.say(M.unpaired); // keep the scans: nothing is lost while the pairing is fixed
        return false;
      }
      const server = response.status === 200 ? response.data.result : "error";
      const entry = state.recent.find((e) => e.id === item.client_scan_id);
      const conflict = server !== item.local_result;
      if (entry) {
        entry.status = conflict ? "conflict" : "synced";
        entry.scanId = response.data && response.data.scan_id;
      }
      if (conflict) {
        ui.addConflict(item, server, response.data && response.data.previous);
        if (item.local_result === "ok") { note(item.code, item.direction, false); }
      }
      return offline.idb.del("queue", item.client_scan_id).then(() => {
        ui.renderRecent(state.recent);
        return true;
      });
    }, () => { setOnline(false); return false; });
  }

  /* The offline bundle holds attendees' names: dropped as soon as this scanner may no
     longer scan here (401/403) or its event is over. */
  function forgetBundle() {
    const id = state.checkpoint.id;
    state.bundle = null;
    state.overlay = {};
    delete root.dataset.bundle;
    return Promise.all([offline.idb.del("bundles", id), offline.idb.del("overlay", id)]);
  }

  /* The changes since the bundle held (the whole bundle when none is held, or when the
     server decides so: festa/checkin/bundle.py). */
  function refreshBundle() {
    const asked = Date.now();
    const since = offline.usable(state.bundle) ? "?since=" + encodeURIComponent(state.bundle.version) : "";
    return request("GET", base() + "/bundle" + since).then((response) => {
      if (response.status === 401 || response.status === 403) { return forgetBundle(); }
      if (response.status !== 200) { return; }
      state.bundle = offline.applyBundle(state.bundle, response.data);
      state.checkpoint = response.data.checkpoint;
      state.bundleAt = asked;
      root.dataset.bundle = response.data.generated_at;
      return offline.idb.all("queue").then((queue) => {
        const queued = new Set(queue.map((i) => offline.parseCode(i.code))
          .filter(Boolean).map((p) => p.ticketId));
        state.overlay = offline.pruneOverlay(state.overlay, asked, queued);
        return Promise.all([offline.idb.put("bundles", state.bundle, state.checkpoint.id),
          saveOverlay()]);
      }).then(counts);
    }, () => { setOnline(false); });
  }

  function heartbeat() {
    if (!state.checkpoint) { return; }
    if (!state.online || Date.now() - state.bundleAt > BUNDLE_MS) {
      request("GET", base()).then((response) => {
        if (response.status === 200) {
          const wasOffline = !state.online;
          setOnline(true);
          if (!wasOffline) { refreshBundle(); }
        }
      }, () => { setOnline(false); });
    }
  }

  function undone(entry) {
    entry.status = "undone";
    note(entry.code, entry.direction, false);
    ui.say(M.undo_done);
    ui.renderRecent(state.recent);
    root.querySelector("#undo-button").disabled = !lastUndoable();
    counts();
  }

  function undo() {
    const entry = lastUndoable();
    if (!entry) { ui.say(M.nothing_to_undo); return; }
    if (entry.status === "pending") {
      offline.idb.del("queue", entry.id).then(counts).then(() => undone(entry));
      return;
    }
    if (!state.online || !entry.scanId) { ui.say(M.undo_failed); return; }
    request("POST", base() + "/scans/" + entry.scanId + "/undo").then((response) => {
      if (response.status === 200) { undone(entry); return; }
      const error = response.data && response.data.error;
      ui.say(error ? error.message : M.undo_failed);
    }, () => { setOnline(false); ui.say(M.undo_failed); });
  }

  function onCameraCode(text) {
    const now = Date.now();
    const same = text === state.lastCode && now - state.lastSeen < SAME_CODE_MS;
    state.lastCode = text;
    state.lastSeen = now;
    if (!same) { enqueue(text); }
  }

  return {
    root, state, ui, request, enqueue, enqueueTicket, sync, undo, heartbeat, setOnline,
    refreshBundle, forgetBundle, counts, onCameraCode
  };
}
