// Roster import progress: sends the form with XHR to show the upload percentage, then "processing" until the server
// answers; the answer (the learners page or the error list) replaces the document. Without JS the form posts normally.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  var status = document.getElementById("import-progress");
  if (!form || !status || !window.FormData) { return; }
  var bar = status.querySelector("progress");
  var label = status.querySelector("span");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    status.hidden = false;
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round((e.loaded / e.total) * 100);
        label.textContent = document.documentElement.lang === "en" ? "Sending the file…" : "Envoi du fichier…";
      }
    });
    xhr.upload.addEventListener("load", function () {
      bar.removeAttribute("value");  // indeterminate while the server checks and saves every learner
      label.textContent = document.documentElement.lang === "en" ? "Checking and saving the learners…" : "Vérification et enregistrement des élèves…";
    });
    xhr.addEventListener("load", function () {
      // The answer is shown as is (its flash message was consumed by this request), at the URL it came from.
      var url = xhr.responseURL;
      document.open(); document.write(xhr.responseText); document.close();
      if (url && url !== window.location.href) { window.history.replaceState(null, "", url); }
    });
    xhr.open("POST", form.action);
    xhr.send(new FormData(form));
  });
})();
