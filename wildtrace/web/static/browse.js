// The browse page: a form with data-confirm (the bulk label) asks before it is sent.
// Loaded from /static (the CSP forbids inline scripts). The server checks the count
// again, so a changed view is never labelled even if this is bypassed.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
      });
    });
  });
}());
