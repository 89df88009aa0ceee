/* Festa door scanner, offline half: the checkpoint's bundle, Ed25519 signature checks with
   WebCrypto, the same rules as festa.checkin.services.decide_scan, and the scans kept in
   IndexedDB until they are synced. */
(function () {
  "use strict";

  var DB_NAME = "festa-door";
  var CODE_RE = /^[A-Za-z0-9_-]{99}$/;
  var CODE_BYTES = 74;
  var HEADER_BYTES = 10;
  var dbPromise = null;
  var keyCache = new Map();
  var bundleSets = new WeakMap();

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          var db = request.result;
          db.createObjectStore("bundles"); // checkpoint id → the last offline bundle
          db.createObjectStore("overlay"); // checkpoint id → what this device saw since
          db.createObjectStore("queue", { keyPath: "client_scan_id" }); // scans to sync
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function run(storeName, mode, action) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var request = action(tx.objectStore(storeName));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  var idb = {
    get: function (store, key) { return run(store, "readonly", function (s) { return s.get(key); }); },
    put: function (store, value, key) {
      return run(store, "readwrite", function (s) { return key === undefined ? s.put(value) : s.put(value, key); });
    },
    del: function (store, key) { return run(store, "readwrite", function (s) { return s.delete(key); }); },
    all: function (store) { return run(store, "readonly", function (s) { return s.getAll(); }); }
  };

  /* The bare code from what a scanner read: the code itself or the ticket page's URL. */
  function extractCode(text) {
    text = (text || "").trim();
    var at = text.indexOf("/tickets/");
    if (at >= 0) {
      text = text.slice(at + 9).split("?")[0].split("#")[0].replace(/^\/+|\/+$/g, "");
    }
    return text;
  }

  function b64urlDecode(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var binary = atob(b64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes;
  }

  /* Version, key id, ticket id and event id of a well-formed code (festa/tickets/codes.py). */
  function parseCode(code) {
    if (!CODE_RE.test(code)) { return null; }
    var raw;
    try { raw = b64urlDecode(code); } catch (error) { return null; }
    if (raw.length !== CODE_BYTES) { return null; }
    var view = new DataView(raw.buffer);
    return { raw: raw, version: raw[0], keyId: raw[1], ticketId: view.getUint32(2), eventId: view.getUint32(6) };
  }

  function verify(bundle, parsed) {
    var keyText = bundle.public_keys[String(parsed.keyId)];
    if (!keyText) { return Promise.resolve(false); }
    var key = keyCache.get(keyText);
    if (!key) {
      key = crypto.subtle.importKey("raw", b64urlDecode(keyText), { name: "Ed25519" }, false, ["verify"]);
      keyCache.set(keyText, key);
    }
    return key.then(function (cryptoKey) {
      return crypto.subtle.verify({ name: "Ed25519" }, cryptoKey, parsed.raw.slice(HEADER_BYTES),
        parsed.raw.slice(0, HEADER_BYTES));
    }).catch(function () { return false; });
  }

  function sets(bundle) {
    var found = bundleSets.get(bundle);
    if (!found) {
      found = {
        revokedCodes: new Set(bundle.revoked_codes),
        revokedIds: new Set(bundle.revoked_ticket_ids),
        allowed: new Set(bundle.allowed_ticket_ids),
        present: new Set(bundle.present_ticket_ids)
      };
      bundleSets.set(bundle, found);
    }
    return found;
  }

  /* Who is inside here, by the bundle and what this device saw since it was made. */
  function presence(bundle, overlay) {
    var present = new Set(sets(bundle).present);
    var inside = bundle.checkpoint.inside;
    Object.keys(overlay || {}).forEach(function (key) {
      var id = Number(key);
      var entry = overlay[key];
      if (entry.inside && !present.has(id)) { present.add(id); inside += 1; }
      if (!entry.inside && present.has(id)) { present.delete(id); inside -= 1; }
    });
    return { present: present, inside: Math.max(inside, 0) };
  }

  /* The same rules, in the same order, as decide_scan on the server. */
  function decide(bundle, overlay, text, direction) {
    var code = extractCode(text);
    var parsed = parseCode(code);
    function answer(result, extra) {
      return Object.assign({ result: result, code: code }, extra || {});
    }
    if (!parsed || parsed.version !== 1) { return Promise.resolve(answer("invalid")); }
    return verify(bundle, parsed).then(function (genuine) {
      if (!genuine) { return answer("invalid"); }
      var id = parsed.ticketId;
      if (parsed.eventId !== bundle.event_id) { return answer("wrong_event", { ticketId: id }); }
      var known = sets(bundle);
      var about = { ticketId: id, name: bundle.names[String(id)] || null };
      if (known.revokedCodes.has(code) || known.revokedIds.has(id)) { return answer("revoked", about); }
      if (direction === "exit") { return answer("ok", about); }
      if (bundle.rules.admits === "reservation" && !known.allowed.has(id)) {
        return answer("not_allowed", about);
      }
      var now = presence(bundle, overlay);
      if (now.present.has(id)) { return answer("already_checked_in", about); }
      var capacity = bundle.rules.capacity;
      if (capacity !== null && capacity !== undefined && now.inside >= capacity) {
        return answer("room_full", about);
      }
      return answer("ok", about);
    });
  }

  /* Keep only what the server cannot know yet: changes after `since`, or still queued. */
  function pruneOverlay(overlay, since, queuedIds) {
    var kept = {};
    Object.keys(overlay || {}).forEach(function (key) {
      if (overlay[key].t >= since || queuedIds.has(Number(key))) { kept[key] = overlay[key]; }
    });
    return kept;
  }

  window.FestaOffline = {
    idb: idb,
    extractCode: extractCode,
    parseCode: parseCode,
    decide: decide,
    presence: presence,
    pruneOverlay: pruneOverlay
  };
})();
