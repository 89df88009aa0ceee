/* Festa door scanner, offline half: the checkpoint's bundle, Ed25519 signature checks with
   WebCrypto, the same rules as festa.checkin.services.decide_scan (kept so by
   tests/checkin/test_scan_parity.py), and the scans kept in IndexedDB until they are synced. */

const DB_NAME = "festa-door";
const CODE_RE = /^[A-Za-z0-9_-]{99}$/;
const CODE_BYTES = 74;
const HEADER_BYTES = 10;
let dbPromise = null;
const keyCache = new Map();
const bundleSets = new WeakMap();

function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore("bundles"); // checkpoint id → the last offline bundle
        db.createObjectStore("overlay"); // checkpoint id → what this device saw since
        db.createObjectStore("queue", { keyPath: "client_scan_id" }); // scans to sync
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return dbPromise;
}

function run(storeName, mode, action) {
  return openDb().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    const request = action(tx.objectStore(storeName));
    tx.oncomplete = () => resolve(request ? request.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  }));
}

/* The scanner's IndexedDB stores: bundles, overlay, queue. */
export const idb = {
  get: (store, key) => run(store, "readonly", (s) => s.get(key)),
  put: (store, value, key) => run(store, "readwrite",
    (s) => (key === undefined ? s.put(value) : s.put(value, key))),
  del: (store, key) => run(store, "readwrite", (s) => s.delete(key)),
  all: (store) => run(store, "readonly", (s) => s.getAll())
};

/* The bare code from what a scanner read: the code itself or the ticket page's URL. */
export function extractCode(text) {
  let code = (text || "").trim();
  const at = code.indexOf("/tickets/");
  if (at >= 0) {
    code = code.slice(at + 9).split("?")[0].split("#")[0].replace(/^\/+|\/+$/g, "");
  }
  return code;
}

function b64urlDecode(text) {
  let b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  while (b64.length % 4) { b64 += "="; }
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
  return bytes;
}

/* Version, key id, ticket id and event id of a well-formed code (festa/tickets/codes.py). */
export function parseCode(code) {
  if (!CODE_RE.test(code)) { return null; }
  let raw;
  try { raw = b64urlDecode(code); } catch (error) { return null; }
  if (raw.length !== CODE_BYTES) { return null; }
  const view = new DataView(raw.buffer);
  return { raw, version: raw[0], keyId: raw[1], ticketId: view.getUint32(2), eventId: view.getUint32(6) };
}

function verify(bundle, parsed) {
  const keyText = bundle.public_keys[String(parsed.keyId)];
  if (!keyText) { return Promise.resolve(false); }
  let key = keyCache.get(keyText);
  if (!key) {
    key = crypto.subtle.importKey("raw", b64urlDecode(keyText), { name: "Ed25519" }, false, ["verify"]);
    keyCache.set(keyText, key);
  }
  return key.then((cryptoKey) => crypto.subtle.verify({ name: "Ed25519" }, cryptoKey,
    parsed.raw.slice(HEADER_BYTES), parsed.raw.slice(0, HEADER_BYTES)))
    .catch(() => false);
}

function sets(bundle) {
  let found = bundleSets.get(bundle);
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
export function presence(bundle, overlay) {
  const present = new Set(sets(bundle).present);
  let inside = bundle.checkpoint.inside;
  Object.entries(overlay || {}).forEach(([key, entry]) => {
    const id = Number(key);
    if (entry.inside && !present.has(id)) { present.add(id); inside += 1; }
    if (!entry.inside && present.has(id)) { present.delete(id); inside -= 1; }
  });
  return { present, inside: Math.max(inside, 0) };
}

/* The same rules, in the same order, as decide_scan on the server. Resolves to
   {result, code, ticketId?, name?}. */
export function decide(bundle, overlay, text, direction) {
  const code = extractCode(text);
  const parsed = parseCode(code);
  const answer = (result, extra) => Object.assign({ result, code }, extra || {});
  if (!parsed || parsed.version !== 1) { return Promise.resolve(answer("invalid")); }
  return verify(bundle, parsed).then((genuine) => {
    if (!genuine) { return answer("invalid"); }
    const id = parsed.ticketId;
    if (parsed.eventId !== bundle.event_id) { return answer("wrong_event", { ticketId: id }); }
    const known = sets(bundle);
    const about = { ticketId: id, name: bundle.names[String(id)] || null };
    if (known.revokedCodes.has(code) || known.revokedIds.has(id)) { return answer("revoked", about); }
    if (direction === "exit") { return answer("ok", about); }
    if (bundle.rules.admits === "reservation" && !known.allowed.has(id)) {
      return answer("not_allowed", about);
    }
    const now = presence(bundle, overlay);
    if (now.present.has(id)) { return answer("already_checked_in", about); }
    const capacity = bundle.rules.capacity;
    if (capacity !== null && capacity !== undefined && now.inside >= capacity) {
      return answer("room_full", about);
    }
    return answer("ok", about);
  });
}

/* Keep only what the server cannot know yet: changes after `since`, or still queued. */
export function pruneOverlay(overlay, since, queuedIds) {
  const kept = {};
  Object.entries(overlay || {}).forEach(([key, entry]) => {
    if (entry.t >= since || queuedIds.has(Number(key))) { kept[key] = entry; }
  });
  return kept;
}
