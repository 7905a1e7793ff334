/* After a submit the new page puts the keyboard and screen-reader focus on its main heading (or result), so that the
   student hears where they are; the heading has tabindex="-1", the skip link stays first in the tab order. */
(function () {
  "use strict";
  var target = document.querySelector("[data-focus-on-load]");
  if (target && typeof target.focus === "function") {
    target.focus({ preventScroll: false });
  }
})();
