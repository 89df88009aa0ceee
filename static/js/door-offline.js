/* Festa door scanner, offline half: the checkpoint's bundle (refreshed by deltas, see
   festa/checkin/bundle.py), Ed25519 signature checks with WebCrypto, the same rules as
   festa.checkin.services.decide_scan (kept so by tests/checkin/test_scan_parity.py), and the
   scans kept in IndexedDB until they are synced. */

const DB_NAME = "festa-door";
const CODE_RE = /^[A-Za-z0-9_-]{99}$/;
const CODE_BYTES = 74;
const HEADER_BYTES = 10;
const BUNDLE_FORMAT = 2; // the shape kept in IndexedDB (Maps and Sets), see fromFull
let dbPromise = null;
const keyCache = new Map();

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
  all: (store) => run(store, "readonly", (s) => s.getAll()),
  count: (store) => run(store, "readonly", (s) => s.count())
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
  const keyText = bundle.publicKeys[String(parsed.keyId)];
  if (!keyText) { return Promise.resolve(false); }
  let key = keyCache.get(keyText);
  if (!key) {
    key = crypto.subtle.importKey("raw", b64urlDecode(keyText), { name: "Ed25519" }, false, ["verify"]);
    keyCache.set(keyText, key);
  }
  return key.then((cryptoKey) => crypto.subtle.verify({ name: "Ed25519" }, cryptoKey,
    parsed.raw.subarray(HEADER_BYTES), parsed.raw.subarray(0, HEADER_BYTES)))
    .catch(() => false);
}

/* Ticket ids sent as gaps (the first id, then the difference to each next one). */
function ungap(gaps) {
  const ids = new Array(gaps.length);
  let id = 0;
  for (let i = 0; i < gaps.length; i++) { id += gaps[i]; ids[i] = id; }
  return ids;
}

/* The scanner's bundle as it is kept (IndexedDB clones Maps and Sets): built from a full
   answer of GET …/bundle, then changed in place by each delta (applyBundle). */
function fromFull(body) {
  const bundle = {
    format: BUNDLE_FORMAT, names: new Map(), admitted: new Set(), revoked: new Set(),
    present: new Set()
  };
  return merge(bundle, body);
}

function merge(bundle, body) {
  ungap(body.changed || []).forEach((id) => {
    bundle.names.delete(id);
    bundle.admitted.delete(id);
    bundle.revoked.delete(id);
    bundle.present.delete(id);
  });
  ungap(body.admitted).forEach((id, i) => {
    bundle.admitted.add(id);
    if (body.names[i]) { bundle.names.set(id, body.names[i]); }
  });
  ungap(body.revoked).forEach((id) => bundle.revoked.add(id));
  ungap(body.present).forEach((id) => bundle.present.add(id));
  return Object.assign(bundle, {
    version: body.version, generatedAt: body.generated_at, checkpoint: body.checkpoint,
    eventId: body.event_id, publicKeys: body.public_keys, rules: body.rules
  });
}

/* The bundle after an answer of GET …/bundle: a full one replaces what was held, a delta
   (full: false) changes the tickets it lists. */
export function applyBundle(held, body) {
  return body.full || !usable(held) ? fromFull(body) : merge(held, body);
}

/* Whether a bundle kept in IndexedDB is one this code can use (older pages kept another
   shape: it is fetched again, whole). */
export function usable(bundle) {
  return !!bundle && bundle.format === BUNDLE_FORMAT;
}

/* Whether the holder is inside here: what this device saw since the bundle, else the
   bundle. */
function isInside(bundle, overlay, id) {
  const seen = overlay[id];
  return seen ? seen.inside : bundle.present.has(id);
}

/* How many are inside here, by the bundle and what this device saw since it was made. */
export function insideCount(bundle, overlay) {
  let inside = bundle.rules.inside;
  Object.keys(overlay || {}).forEach((key) => {
    const id = Number(key);
    const was = bundle.present.has(id);
    if (overlay[key].inside !== was) { inside += was ? -1 : 1; }
  });
  return Math.max(inside, 0);
}

/* The same rules, in the same order, as decide_scan on the server. Resolves to
   {result, code, ticketId?, name?}. Only lookups: nothing here waits for storage. */
export function decide(bundle, overlay, text, direction) {
  const code = extractCode(text);
  const parsed = parseCode(code);
  const answer = (result, extra) => Object.assign({ result, code }, extra || {});
  if (!parsed || parsed.version !== 1) { return Promise.resolve(answer("invalid")); }
  return verify(bundle, parsed).then((genuine) => {
    if (!genuine) { return answer("invalid"); }
    const id = parsed.ticketId;
    if (parsed.eventId !== bundle.eventId) { return answer("wrong_event", { ticketId: id }); }
    const about = { ticketId: id, name: bundle.names.get(id) || null };
    if (bundle.revoked.has(id)) { return answer("revoked", about); }
    if (direction === "exit") { return answer("ok", about); }
    if (bundle.rules.admits === "reservation" && !bundle.admitted.has(id)) {
      return answer("not_allowed", about);
    }
    if (isInside(bundle, overlay || {}, id)) { return answer("already_checked_in", about); }
    const capacity = bundle.rules.capacity;
    if (capacity !== null && capacity !== undefined && insideCount(bundle, overlay) >= capacity) {
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
