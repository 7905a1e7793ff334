/* Certification waiting pages (the candidate waiting for the invigilator, the invigilator's live list): instead of a
   <meta http-equiv="refresh"> (WCAG 2.2.1: a timed reload the user cannot stop), this checks the page every N seconds
   in the background and reloads it only when what it shows has changed (its data-refresh-key). The person can switch
   the automatic update off (the checkbox, shown only when this script runs); the "Actualiser" link always works. */
(function () {
  "use strict";
  var box = document.querySelector("[data-auto-refresh]");
  if (!box || !window.fetch || !window.DOMParser) {
    return;
  }
  var seconds = parseInt(box.getAttribute("data-auto-refresh"), 10) || 15;
  var key = box.getAttribute("data-refresh-key");
  var control = box.querySelector("[data-refresh-control]");
  var toggle = box.querySelector("input[type=checkbox]");
  if (control) {
    control.hidden = false;
  }

  function schedule() {
    window.setTimeout(check, seconds * 1000);
  }

  function check() {
    if ((toggle && !toggle.checked) || document.visibilityState === "hidden") {
      schedule();
      return;
    }
    // redirect "manual": a page that now redirects (e.g. the test started) is reloaded, never followed in the background.
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store", redirect: "manual" })
      .then(function (response) {
        if (response.type === "opaqueredirect") {
          window.location.reload();
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null || html === undefined) {
          schedule();
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-refresh-key]");
        if (!fresh || fresh.getAttribute("data-refresh-key") !== key) {
          window.location.reload();
        } else {
          schedule();
        }
      })
      .catch(schedule);
  }

  schedule();
})();
