// Quality control by keyboard: A accepts the page, N goes to the next, P
// to the previous,
// + and − zoom; the image pans by dragging or, focused, by the arrow keys.
(function () {
  "use strict";
  var vp = document.getElementById("viewport"), sheet = document.getElementById("sheet");
  if (!vp || !sheet) return;
  var zoom = 1, label = document.getElementById("zoom");
  function setZoom(z) {
    zoom = Math.min(4, Math.max(0.5, z));
    sheet.style.width = (zoom * 100) + "%";
    label.textContent = Math.round(zoom * 100) + "%";
  }
  document.getElementById("zoomin").addEventListener("click", function () { setZoom(zoom * 1.25); });
  document.getElementById("zoomout").addEventListener("click", function () { setZoom(zoom / 1.25); });
  var drag = null;
  vp.addEventListener("mousedown", function (e) { drag = {x: e.clientX, y: e.clientY, l: vp.scrollLeft, t: vp.scrollTop}; e.preventDefault(); });
  window.addEventListener("mouseup", function () { drag = null; });
  window.addEventListener("mousemove", function (e) {
    if (!drag) return;
    vp.scrollLeft = drag.l - (e.clientX - drag.x);
    vp.scrollTop = drag.t - (e.clientY - drag.y);
  });
  document.addEventListener("keydown", function (e) {
    var tag = (e.target && e.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "a" || e.key === "A") { e.preventDefault(); document.getElementById("acceptform").requestSubmit(); }
    else if (e.key === "n" || e.key === "N") { var n = document.getElementById("next"); if (n) { e.preventDefault(); location.href = n.href; } }
    else if (e.key === "p" || e.key === "P") { var p = document.getElementById("prev"); if (p) { e.preventDefault(); location.href = p.href; } }
    else if (e.key === "+" || e.key === "=") { e.preventDefault(); setZoom(zoom * 1.25); }
    else if (e.key === "-") { e.preventDefault(); setZoom(zoom / 1.25); }
  });
})();
