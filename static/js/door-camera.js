/* Festa door scanner: the phone's camera, read a few times a second by jsQR
   (static/vendor/jsQR.js, from the npm registry). */
(function () {
  "use strict";

  var MAX_WIDTH = 640; // smaller frames decode faster; a ticket QR fills much of the view
  var INTERVAL_MS = 120;

  function Camera(video, canvas, onCode) {
    this.video = video;
    this.canvas = canvas;
    this.context = canvas.getContext("2d", { willReadFrequently: true });
    this.onCode = onCode;
    this.stream = null;
    this.timer = null;
  }

  Camera.prototype.available = function () {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.jsQR);
  };

  Camera.prototype.start = function () {
    var self = this;
    if (!this.available()) { return Promise.reject(new Error("no camera")); }
    return navigator.mediaDevices.getUserMedia({
      video: { facingMode: { ideal: "environment" } }, audio: false
    }).then(function (stream) {
      self.stream = stream;
      self.video.srcObject = stream;
      return self.video.play();
    }).then(function () { self.tick(); });
  };

  Camera.prototype.stop = function () {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stream) {
      this.stream.getTracks().forEach(function (track) { track.stop(); });
    }
    this.stream = null;
    this.video.srcObject = null;
  };

  Camera.prototype.running = function () { return !!this.stream; };

  Camera.prototype.tick = function () {
    var self = this;
    if (!this.stream) { return; }
    var video = this.video;
    if (video.readyState >= 2 && video.videoWidth) {
      var scale = Math.min(1, MAX_WIDTH / video.videoWidth);
      var width = Math.round(video.videoWidth * scale);
      var height = Math.round(video.videoHeight * scale);
      this.canvas.width = width;
      this.canvas.height = height;
      this.context.drawImage(video, 0, 0, width, height);
      var image = this.context.getImageData(0, 0, width, height);
      var found = window.jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
      if (found && found.data) { this.onCode(found.data); }
    }
    this.timer = setTimeout(function () { self.tick(); }, INTERVAL_MS);
  };

  window.FestaCamera = Camera;
})();
