/* Question page helpers (optional: the page works without JavaScript, and the server always decides the outcome).
   - Focused questions: leaving the page (window blur, tab hidden) sets the hidden focused_out flag and says so.
   - Timed questions: a visible countdown, announced politely at coarse steps, that sends the form when it reaches 0. */
(function () {
  "use strict";
  var form = document.getElementById("challenge-form");
  if (!form) { return; }
  var submitting = false;
  form.addEventListener("submit", function () { submitting = true; });

  var flag = form.querySelector("[data-focus-flag]");
  var notice = document.getElementById("focus-lost-notice");
  function focusLost() {
    if (!flag || submitting || flag.value === "1") { return; }
    flag.value = "1";
    if (notice) {
      var p = document.createElement("p");
      p.className = "alert alert-error";
      p.textContent = notice.getAttribute("data-message");
      notice.appendChild(p);
    }
  }
  if (flag) {
    window.addEventListener("blur", focusLost);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { focusLost(); }
    });
  }

  var box = document.querySelector("[data-countdown]");
  if (!box) { return; }
  var display = box.querySelector("[data-countdown-display]");
  var live = box.querySelector("[data-countdown-live]");
  var template = box.getAttribute("data-live-template") || "";
  var deadline = Date.now() + parseInt(box.getAttribute("data-countdown"), 10) * 1000;
  var announced = {};
  var timer = null;

  function format(seconds) {
    var s = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (s < 10 ? "0" : "") + s;
  }
  function announce(seconds) {
    // Coarse steps only: a screen reader reading every second would drown the question.
    var step = seconds > 0 && (seconds % 30 === 0 || seconds === 10 || seconds === 5);
    if (step && !announced[seconds]) {
      announced[seconds] = true;
      live.textContent = template.replace("__N__", String(seconds));
    }
  }
  function tick() {
    var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    display.textContent = format(left);
    announce(left);
    if (left <= 0) {
      window.clearInterval(timer);
      if (!submitting) {
        submitting = true;
        live.textContent = box.getAttribute("data-time-up") || "";
        box.classList.add("is-over");
        form.submit(); // whatever is filled in is sent; the server decides whether it came in time
      }
    }
  }
  tick();
  timer = window.setInterval(tick, 250);
})();
