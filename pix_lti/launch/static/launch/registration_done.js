// LTI Dynamic Registration: tell the LMS window that opened us that we are done, so it can close its dialog.
(function () {
  function close() {
    var target = window.opener || (window.parent !== window ? window.parent : null);
    if (target) { target.postMessage({ subject: "org.imsglobal.lti.close" }, "*"); }
  }
  var button = document.querySelector("[data-lti-close]");
  if (button) { button.addEventListener("click", close); }
})();
