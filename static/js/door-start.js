/* Festa door scanner, start-up (the page's one module script): who this scanner is (a
   paired device's token or a door staff login with ?checkpoint=), the inputs (camera,
   hand-held scanner, search), the network watch and the service worker that keeps the
   page loadable offline. */
import { Camera } from "./door-camera.js";
import { DEVICE_CHECKPOINT_KEY, HEARTBEAT_MS, createDoor } from "./door.js";
import * as offline from "./door-offline.js";

const SEARCH_DELAY_MS = 250;

function startScanner(door) {
  const { root, state, ui } = door;
  const M = ui.M;

  function registerWorker() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(root.dataset.swUrl, { scope: "./" }).catch(() => {});
    }
  }

  /* Which checkpoint: from the server, or (offline) from the last bundle kept here. */
  function loadCheckpoint(wanted) {
    const path = state.token ? "/checkpoints" : "/checkpoints/" + wanted;
    return door.request("GET", path).then((response) => {
      if (response.status === 200) { return response.data; }
      if (response.status === 401 || response.status === 403) {
        // No longer allowed here: the names kept for offline use go too.
        const id = state.token ? Number(localStorage.getItem(DEVICE_CHECKPOINT_KEY)) : Number(wanted);
        offline.idb.del("bundles", id);
        offline.idb.del("overlay", id);
      }
      ui.showUnpaired(M.unpaired);
      return null;
    }, () => {
      door.setOnline(false);
      const id = state.token ? Number(localStorage.getItem(DEVICE_CHECKPOINT_KEY)) : Number(wanted);
      return offline.idb.get("bundles", id).then((bundle) => {
        if (!bundle) { ui.showUnpaired(M.search_offline); return null; }
        return bundle.checkpoint;
      });
    });
  }

  function start() {
    registerWorker();
    const wanted = new URLSearchParams(location.search).get("checkpoint");
    if (!state.token && !wanted) {
      if (root.dataset.staff === "1") { location.replace(root.dataset.chooseUrl); return; }
      ui.showUnpaired();
      return;
    }
    door.setOnline(navigator.onLine);
    loadCheckpoint(wanted).then((checkpoint) => {
      if (!checkpoint) { return; }
      state.checkpoint = checkpoint;
      if (state.token) { localStorage.setItem(DEVICE_CHECKPOINT_KEY, String(checkpoint.id)); }
      ui.showCheckpoint(checkpoint);
      return Promise.all([offline.idb.get("bundles", checkpoint.id), offline.idb.get("overlay", checkpoint.id)])
        .then(([bundle, overlay]) => {
          state.bundle = offline.usable(bundle) ? bundle : null; // else fetched whole
          state.overlay = overlay || {};
          const ends = bundle && bundle.checkpoint.event.ends_at;
          if (ends && Date.now() > Date.parse(ends)) { return door.forgetBundle(); }
        }).then(() => {
          door.counts();
          wire();
          root.dataset.ready = "1";
          if (state.online) { door.refreshBundle().then(door.sync); }
        });
    });
  }

  function wire() {
    const form = root.querySelector("#code-form");
    const input = root.querySelector("#code-input");
    function take(event) {
      event.preventDefault();
      const text = input.value;
      input.value = "";
      door.enqueue(text);
    }
    // A hand-held scanner ends each code with Enter: act on the key itself, not on the
    // form submission the browser would make of it a moment later. The button (and a
    // phone keyboard's "go") still submit the form.
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.isComposing) { take(event); }
    });
    form.addEventListener("submit", take);
    input.focus();
    root.querySelector("#undo-button").addEventListener("click", door.undo);
    wireSearch();
    wireCamera();
    window.addEventListener("offline", () => door.setOnline(false));
    window.addEventListener("online", door.heartbeat);
    setInterval(door.heartbeat, HEARTBEAT_MS);
  }

  function wireSearch() {
    const input = root.querySelector("#search-input");
    let timer = null;
    root.querySelector("#search-form").addEventListener("submit", (event) => event.preventDefault());
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => search(input.value.trim()), SEARCH_DELAY_MS);
    });
  }

  function search(query) {
    if (!query) { ui.renderSearch([], null); ui.say(""); return; }
    if (!state.online) { ui.say(M.search_offline); return; }
    door.request("GET", "/checkpoints/" + state.checkpoint.id + "/search?q=" + encodeURIComponent(query))
      .then((response) => {
        if (response.status !== 200) { ui.say(M.search_none); return; }
        ui.say(response.data.length ? "" : M.search_none);
        ui.renderSearch(response.data, (hit) => door.enqueueTicket(hit.ticket_id).then(() => search(query)));
      }, () => { door.setOnline(false); ui.say(M.search_offline); });
  }

  function wireCamera() {
    const button = root.querySelector("#camera-toggle");
    const message = root.querySelector("#camera-message");
    const camera = new Camera(root.querySelector("#camera-video"),
      root.querySelector("#camera-canvas"), door.onCameraCode);
    function begin() {
      message.textContent = "";
      return camera.start().then(() => {
        button.textContent = M.camera_stop;
        root.classList.add("camera-on");
      }, () => {
        camera.stop();
        message.textContent = M.camera_denied;
      });
    }
    button.addEventListener("click", () => {
      if (camera.running()) {
        camera.stop();
        button.textContent = M.camera_start;
        root.classList.remove("camera-on");
      } else {
        begin();
      }
    });
    if (!camera.available()) { message.textContent = M.camera_denied; return; }
    // Start at once where the camera was allowed before (no prompt then).
    if (navigator.permissions && navigator.permissions.query) {
      navigator.permissions.query({ name: "camera" }).then((status) => {
        if (status.state === "granted") { begin(); }
      }, () => {});
    }
  }

  start();
}

const scanner = document.getElementById("scanner");
if (scanner) { startScanner(createDoor(scanner)); }
