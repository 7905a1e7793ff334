// Posts the deep-linking response back to the LMS as soon as the page loads (CSP allows only same-origin scripts,
// hence this file); without JavaScript the visible button does the same.
(function () {
  var form = document.querySelector("form[data-autosubmit]");
  if (form) { form.submit(); }
})();
