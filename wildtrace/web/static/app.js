// wildtrace: keyboard-driven review. Loaded from /static (no inline scripts: the CSP
// forbids them). Keys: j/k move in the queue, Enter opens; on a listing c/r/u label,
// n focuses the note. Keys are ignored while typing in a field.
(function () {
  "use strict";
  function typing(ev) {
    var t = ev.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr.row"));
    var current = rows.length ? 0 : -1;
    function select(i) {
      if (!rows.length) { return; }
      current = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r, k) { r.classList.toggle("selected", k === current); });
      rows[current].scrollIntoView({ block: "nearest" });
    }
    if (rows.length) { select(0); }
    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
      if (typing(ev)) {
        if (ev.key === "Escape") { ev.target.blur(); }
        return;
      }
      if (rows.length) {
        if (ev.key === "j") { select(current + 1); ev.preventDefault(); return; }
        if (ev.key === "k") { select(current - 1); ev.preventDefault(); return; }
        if (ev.key === "Enter" && current >= 0) {
          window.location.assign(rows[current].getAttribute("data-href"));
          return;
        }
      }
      var button = document.querySelector('button[data-key="' + ev.key + '"]');
      if (button) { ev.preventDefault(); button.click(); return; }
      if (ev.key === "n") {
        var note = document.getElementById("note");
        if (note) { ev.preventDefault(); note.focus(); }
      }
    });
  });
}());
