/* Festa door scanner: scans from the camera, a hand-held scanner or search go to the scan
   API; when the network is gone the page decides offline (door-offline.js), keeps the
   scans in IndexedDB and syncs them, with the same client_scan_id, when it is back.
   After every scan #scanner carries data-scan-result and data-scan-mode (the contract). */
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  if (!root) { return; }
  var M = JSON.parse(root.dataset.messages);
  var ui = new window.FestaDoorUI(root, M);
  var offline = window.FestaOffline;
  var TOKEN_KEY = "festa-door-token";
  var DEVICE_CHECKPOINT_KEY = "festa-door-checkpoint";
  var HEARTBEAT_MS = 5000;
  var BUNDLE_MS = 60000;
  var SAME_CODE_MS = 1500; // a code in view keeps being read: act on it once

  var state = {
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
    scans: 0
  };

  function request(method, path, body) {
    var headers = { Accept: "application/json" };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (state.token) {
      headers.Authorization = "Bearer " + state.token;
    } else {
      var meta = document.querySelector('meta[name="csrf-token"]');
      if (meta) { headers["X-CSRFToken"] = meta.content; }
    }
    return fetch(root.dataset.api + path, {
      method: method, headers: headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  function base() { return "/checkpoints/" + state.checkpoint.id; }

  function setOnline(online) {
    root.dataset.scanMode = online ? "online" : "offline";
    ui.showMode(online);
    if (state.online === online) { return; }
    state.online = online;
    if (online) { sync(); }
  }

  function counts() {
    var inside = state.bundle ? offline.presence(state.bundle, state.overlay).inside : null;
    var capacity = state.checkpoint ? state.checkpoint.capacity : null;
    return offline.idb.all("queue").then(function (queue) {
      root.dataset.pending = String(queue.length);
      ui.showCounts(inside, capacity, queue.length);
      return queue;
    });
  }

  function note(code, direction, inside) {
    var parsed = offline.parseCode(offline.extractCode(code));
    if (!parsed) { return; }
    state.overlay[parsed.ticketId] = { inside: inside && direction === "entry", t: Date.now() };
    offline.idb.put("overlay", state.overlay, state.checkpoint.id);
  }

  function remember(view) {
    state.recent.unshift(view);
    ui.renderRecent(state.recent);
    var last = lastUndoable();
    root.querySelector("#undo-button").disabled = !last;
  }

  function lastUndoable() {
    return state.recent.find(function (entry) {
      return entry.result === "ok" && entry.direction === "entry" && entry.status !== "undone" &&
        entry.status !== "conflict";
    });
  }

  function show(view) {
    state.scans += 1;
    root.dataset.scanMode = view.mode;
    root.dataset.scanResult = view.result;
    root.dataset.scanCount = String(state.scans);
    ui.showResult(view);
    remember(view);
    counts();
  }

  function fromServer(data, item, mode) {
    return {
      id: item.client_scan_id, code: item.code, direction: item.direction, at: item.scanned_at,
      result: data.result, name: data.attendee ? data.attendee.name : null,
      previous: data.previous || null, scanId: data.scan_id, mode: mode, status: "synced"
    };
  }

  function decideOffline(item) {
    if (!state.bundle) {
      return Promise.resolve({ id: item.client_scan_id, code: item.code, at: item.scanned_at,
        direction: item.direction, result: "error", mode: "offline", status: "synced" });
    }
    return offline.decide(state.bundle, state.overlay, item.code, item.direction).then(function (answer) {
      item.local_result = answer.result;
      item.name = answer.name || null;
      if (answer.result === "ok") { note(item.code, item.direction, true); }
      return offline.idb.put("queue", item).then(function () {
        return { id: item.client_scan_id, code: item.code, direction: item.direction, at: item.scanned_at,
          result: answer.result, name: answer.name || (answer.result === "ok" ? M.unknown_name : null),
          mode: "offline", status: "pending" };
      });
    });
  }

  function scan(text) {
    var code = offline.extractCode(text);
    if (!code || !state.checkpoint) { return Promise.resolve(); }
    var checked = root.querySelector('input[name="direction"]:checked');
    var item = {
      client_scan_id: crypto.randomUUID(), checkpoint_id: state.checkpoint.id, code: code,
      direction: checked ? checked.value : "entry", scanned_at: new Date().toISOString(), seq: Date.now()
    };
    var asked = state.online ? request("POST", base() + "/scans", {
      code: code, direction: item.direction, client_scan_id: item.client_scan_id
    }).catch(function () { setOnline(false); return null; }) : Promise.resolve(null);
    return asked.then(function (response) {
      if (response && response.status === 200) {
        if (response.data.result === "ok") { note(code, item.direction, true); }
        return fromServer(response.data, item, "online");
      }
      if (response && response.status < 500) {
        var error = response.data && response.data.error;
        return { id: item.client_scan_id, code: code, at: item.scanned_at, direction: item.direction,
          result: "error", reason: error ? error.message : "", mode: "online", status: "synced" };
      }
      return decideOffline(item);
    }).then(show);
  }

  function enqueue(text) {
    state.chain = state.chain.then(function () { return scan(text); }).catch(function () {});
    return state.chain;
  }

  function sync() {
    if (state.syncing || !state.online || !state.checkpoint) { return Promise.resolve(); }
    state.syncing = true;
    return offline.idb.all("queue").then(function (queue) {
      var mine = queue.filter(function (i) { return i.checkpoint_id === state.checkpoint.id; });
      mine.sort(function (a, b) { return a.seq - b.seq; });
      return mine.reduce(function (done, item) {
        return done.then(function (goOn) { return goOn && syncOne(item); });
      }, Promise.resolve(true));
    }).then(function (complete) {
      state.syncing = false;
      counts();
      if (complete) { refreshBundle(); }
    }, function () { state.syncing = false; });
  }

  function syncOne(item) {
    return request("POST", "/checkpoints/" + item.checkpoint_id + "/scans", {
      code: item.code, direction: item.direction, scanned_at: item.scanned_at,
      client_scan_id: item.client_scan_id, mode: "offline"
    }).then(function (response) {
      if (response.status >= 500) { return false; }
      if (response.status === 401 || response.status === 403) {
        ui.say(M.unpaired); // keep the scans: nothing is lost while the pairing is fixed
        return false;
      }
      var server = response.status === 200 ? response.data.result : "error";
      var entry = state.recent.find(function (e) { return e.id === item.client_scan_id; });
      var conflict = server !== item.local_result;
      if (entry) {
        entry.status = conflict ? "conflict" : "synced";
        entry.scanId = response.data && response.data.scan_id;
      }
      if (conflict) {
        ui.addConflict(item, server, response.data && response.data.previous);
        if (item.local_result === "ok") { note(item.code, item.direction, false); }
      }
      return offline.idb.del("queue", item.client_scan_id).then(function () {
        ui.renderRecent(state.recent);
        return true;
      });
    }, function () { setOnline(false); return false; });
  }

  function refreshBundle() {
    var asked = Date.now();
    return request("GET", base() + "/offline-bundle").then(function (response) {
      if (response.status !== 200) { return; }
      state.bundle = response.data;
      state.checkpoint = response.data.checkpoint;
      state.bundleAt = asked;
      root.dataset.bundle = response.data.generated_at;
      return offline.idb.all("queue").then(function (queue) {
        var queued = new Set(queue.map(function (i) { return offline.parseCode(i.code); })
          .filter(Boolean).map(function (p) { return p.ticketId; }));
        state.overlay = offline.pruneOverlay(state.overlay, asked, queued);
        return Promise.all([offline.idb.put("bundles", state.bundle, state.checkpoint.id),
          offline.idb.put("overlay", state.overlay, state.checkpoint.id)]);
      }).then(counts);
    }, function () { setOnline(false); });
  }

  function heartbeat() {
    if (!state.checkpoint) { return; }
    if (!state.online || Date.now() - state.bundleAt > BUNDLE_MS) {
      request("GET", base()).then(function (response) {
        if (response.status === 200) {
          var wasOffline = !state.online;
          setOnline(true);
          if (!wasOffline) { refreshBundle(); }
        }
      }, function () { setOnline(false); });
    }
  }

  function undo() {
    var entry = lastUndoable();
    if (!entry) { ui.say(M.nothing_to_undo); return; }
    if (entry.status === "pending") {
      offline.idb.del("queue", entry.id).then(function () { undone(entry, null); });
      return;
    }
    if (!state.online || !entry.scanId) { ui.say(M.undo_failed); return; }
    request("POST", base() + "/scans/" + entry.scanId + "/undo").then(function (response) {
      if (response.status === 200) { undone(entry, response.data.inside); return; }
      var error = response.data && response.data.error;
      ui.say(error ? error.message : M.undo_failed);
    }, function () { setOnline(false); ui.say(M.undo_failed); });
  }

  function undone(entry) {
    entry.status = "undone";
    note(entry.code, entry.direction, false);
    ui.say(M.undo_done);
    ui.renderRecent(state.recent);
    root.querySelector("#undo-button").disabled = !lastUndoable();
    counts();
  }

  window.FestaDoor = {
    root: root, state: state, ui: ui, request: request, enqueue: enqueue, sync: sync,
    undo: undo, heartbeat: heartbeat, setOnline: setOnline, refreshBundle: refreshBundle,
    counts: counts, onCameraCode: function (text) {
      var now = Date.now();
      var same = text === state.lastCode && now - state.lastSeen < SAME_CODE_MS;
      state.lastCode = text;
      state.lastSeen = now;
      if (!same) { enqueue(text); }
    },
    settings: { TOKEN_KEY: TOKEN_KEY, DEVICE_CHECKPOINT_KEY: DEVICE_CHECKPOINT_KEY, HEARTBEAT_MS: HEARTBEAT_MS }
  };
})();
