/* The door scanner's service worker (served as /door/sw.js, scope /door/): keeps the
   scanner page and its scripts (jsQR and the door-*.js modules the page imports) so the
   page opens without a network. Network first, so a connected scanner always gets the
   current page; the API is never cached. */
"use strict";

var CACHE = "festa-door-v2"; // v2: the scanner's scripts became ES modules
var SHELL = [
  "/door/",
  "/static/css/festa.css",
  "/static/css/door.css",
  "/static/vendor/jsQR.js",
  "/static/js/door-start.js",
  "/static/js/door.js",
  "/static/js/door-offline.js",
  "/static/js/door-ui.js",
  "/static/js/door-camera.js"
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(SHELL);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("festa-door-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function cacheable(request) {
  if (request.method !== "GET") { return false; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return false; }
  return (request.mode === "navigate" && url.pathname === "/door/") || SHELL.indexOf(url.pathname) >= 0;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (!cacheable(request)) { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      var key = request.mode === "navigate" ? "/door/" : request;
      caches.open(CACHE).then(function (cache) { cache.put(key, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request.mode === "navigate" ? "/door/" : request, { ignoreSearch: true });
  }));
});
