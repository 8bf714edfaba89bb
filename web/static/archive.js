// The batches page updates itself: it polls progress.json every two
// seconds and rewrites the counters of each batch's row. No build step.
(function () {
  "use strict";
  var live = document.getElementById("livestate");
  if (!live) return;
  var d = live.dataset;
  function dur(s) {
    if (s < 0) return d.unknown;
    if (s === 0) return d.done;
    if (s < 60) return s + " " + d.sec;
    return Math.round(s / 60) + " " + d.min;
  }
  function set(row, f, v) {
    var el = row.querySelector('[data-f="' + f + '"]');
    if (el && el.textContent !== String(v)) el.textContent = v;
    return el;
  }
  function tick() {
    fetch("/archive/progress.json", {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (rows) {
        (rows || []).forEach(function (b) {
          var row = document.querySelector('tr[data-batch="' + CSS.escape(b.ID) + '"]');
          if (!row) return;
          ["Received", "OCRed", "Failed", "QC", "Signed", "Docs"].forEach(function (f) { set(row, f, b[f]); });
          var m = row.querySelector('[data-f="meter"]');
          if (m) { m.max = b.Received; m.value = b.OCRed; }
          set(row, "rate", b.PerMinute > 0 ? b.PerMinute.toFixed(1) : "–");
          set(row, "eta", b.Empty ? "–" : b.Done ? d.done : dur(b.ETASeconds));
          set(row, "state", b.Empty ? d.empty : b.Done ? d.done : d.running);
          row.dataset.done = b.Done ? "1" : "0";
        });
        live.dataset.updated = String(Date.now());
      })
      .catch(function () {})
      .then(function () { setTimeout(tick, 2000); });
  }
  tick();
})();
