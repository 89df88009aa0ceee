/* Festa door scanner: the phone's camera, read a few times a second by jsQR
   (static/vendor/jsQR.js from the npm registry: a classic script that defines window.jsQR,
   loaded before the modules). */

const MAX_WIDTH = 640; // smaller frames decode faster; a ticket QR fills much of the view
const INTERVAL_MS = 120;

export class Camera {
  constructor(video, canvas, onCode) {
    this.video = video;
    this.canvas = canvas;
    this.context = canvas.getContext("2d", { willReadFrequently: true });
    this.onCode = onCode;
    this.stream = null;
    this.timer = null;
  }

  available() {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.jsQR);
  }

  start() {
    if (!this.available()) { return Promise.reject(new Error("no camera")); }
    return navigator.mediaDevices.getUserMedia({
      video: { facingMode: { ideal: "environment" } }, audio: false
    }).then((stream) => {
      this.stream = stream;
      this.video.srcObject = stream;
      return this.video.play();
    }).then(() => this.tick());
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stream) {
      this.stream.getTracks().forEach((track) => track.stop());
    }
    this.stream = null;
    this.video.srcObject = null;
  }

  running() { return !!this.stream; }

  tick() {
    if (!this.stream) { return; }
    const video = this.video;
    if (video.readyState >= 2 && video.videoWidth) {
      const scale = Math.min(1, MAX_WIDTH / video.videoWidth);
      const width = Math.round(video.videoWidth * scale);
      const height = Math.round(video.videoHeight * scale);
      this.canvas.width = width;
      this.canvas.height = height;
      this.context.drawImage(video, 0, 0, width, height);
      const image = this.context.getImageData(0, 0, width, height);
      const found = window.jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
      if (found && found.data) { this.onCode(found.data); }
    }
    this.timer = setTimeout(() => this.tick(), INTERVAL_MS);
  }
}
