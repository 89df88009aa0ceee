/* Festa door scanner, start-up: who this scanner is (a paired device's token or a door
   staff login with ?checkpoint=), the inputs (camera, hand-held scanner, search), the
   network watch and the service worker that keeps the page loadable offline. */
(function () {
  "use strict";

  var door = window.FestaDoor;
  if (!door) { return; }
  var root = door.root;
  var state = door.state;
  var ui = door.ui;
  var offline = window.FestaOffline;
  var M = ui.M;
  var SEARCH_DELAY_MS = 250;

  function registerWorker() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(root.dataset.swUrl, { scope: "./" }).catch(function () {});
    }
  }

  /* Which checkpoint: from the server, or (offline) from the last bundle kept here. */
  function loadCheckpoint() {
    var wanted = new URLSearchParams(location.search).get("checkpoint");
    var path = state.token ? "/checkpoints" : "/checkpoints/" + wanted;
    return door.request("GET", path).then(function (response) {
      if (response.status === 200) { return response.data; }
      ui.showUnpaired(M.unpaired);
      return null;
    }, function () {
      door.setOnline(false);
      var id = state.token ? Number(localStorage.getItem(door.settings.DEVICE_CHECKPOINT_KEY)) : Number(wanted);
      return offline.idb.get("bundles", id).then(function (bundle) {
        if (!bundle) { ui.showUnpaired(M.search_offline); return null; }
        return bundle.checkpoint;
      });
    });
  }

  function start() {
    registerWorker();
    var wanted = new URLSearchParams(location.search).get("checkpoint");
    if (!state.token && !wanted) {
      if (root.dataset.staff === "1") { location.replace(root.dataset.chooseUrl); return; }
      ui.showUnpaired();
      return;
    }
    door.setOnline(navigator.onLine);
    loadCheckpoint().then(function (checkpoint) {
      if (!checkpoint) { return; }
      state.checkpoint = checkpoint;
      if (state.token) { localStorage.setItem(door.settings.DEVICE_CHECKPOINT_KEY, String(checkpoint.id)); }
      ui.showCheckpoint(checkpoint);
      return Promise.all([offline.idb.get("bundles", checkpoint.id), offline.idb.get("overlay", checkpoint.id)])
        .then(function (kept) {
          state.bundle = kept[0] || null;
          state.overlay = kept[1] || {};
          door.counts();
          wire();
          root.dataset.ready = "1";
          if (state.online) { door.refreshBundle().then(door.sync); }
        });
    });
  }

  function wire() {
    var form = root.querySelector("#code-form");
    var input = root.querySelector("#code-input");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value;
      input.value = "";
      door.enqueue(text);
    });
    input.focus();
    root.querySelector("#undo-button").addEventListener("click", door.undo);
    wireSearch();
    wireCamera();
    window.addEventListener("offline", function () { door.setOnline(false); });
    window.addEventListener("online", door.heartbeat);
    setInterval(door.heartbeat, door.settings.HEARTBEAT_MS);
  }

  function wireSearch() {
    var input = root.querySelector("#search-input");
    var timer = null;
    root.querySelector("#search-form").addEventListener("submit", function (event) { event.preventDefault(); });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { search(input.value.trim()); }, SEARCH_DELAY_MS);
    });
  }

  function search(query) {
    if (!query) { ui.renderSearch([], null); ui.say(""); return; }
    if (!state.online) { ui.say(M.search_offline); return; }
    door.request("GET", "/checkpoints/" + state.checkpoint.id + "/search?q=" + encodeURIComponent(query))
      .then(function (response) {
        if (response.status !== 200) { ui.say(M.search_none); return; }
        ui.say(response.data.length ? "" : M.search_none);
        ui.renderSearch(response.data, function (hit) { door.enqueue(hit.code).then(function () { search(query); }); });
      }, function () { door.setOnline(false); ui.say(M.search_offline); });
  }

  function wireCamera() {
    var button = root.querySelector("#camera-toggle");
    var message = root.querySelector("#camera-message");
    var camera = new window.FestaCamera(root.querySelector("#camera-video"),
      root.querySelector("#camera-canvas"), door.onCameraCode);
    function begin() {
      message.textContent = "";
      return camera.start().then(function () {
        button.textContent = M.camera_stop;
        root.classList.add("camera-on");
      }, function () {
        camera.stop();
        message.textContent = M.camera_denied;
      });
    }
    button.addEventListener("click", function () {
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
      navigator.permissions.query({ name: "camera" }).then(function (status) {
        if (status.state === "granted") { begin(); }
      }, function () {});
    }
  }

  start();
})();
