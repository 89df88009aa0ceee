/* Pairing: keep this device's token in the browser and open the scanner. The token
   leaves the address bar (location.replace), so it is not kept in the history. */

function pair(box) {
  try {
    localStorage.setItem("festa-door-token", box.dataset.token);
    localStorage.removeItem("festa-door-checkpoint");
  } catch (error) {
    return; // storage blocked: the button below still opens the scanner
  }
  location.replace(box.dataset.next);
}

const box = document.getElementById("pairing");
if (box) { pair(box); }
