/* Weibao — the inspection form: a number outside its thresholds shows 异常 as it is typed, and a
   small signature pad (a canvas drawn with the finger or the mouse) whose PNG goes with the sign
   form. Local script only: the Content-Security-Policy allows nothing else. */
(function () {
  "use strict";

  // <input data-threshold data-warn-above=… data-warn-below=…>: pick 异常 or 正常 in its form.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-threshold")) return;
    var form = input.form;
    if (!form || input.value.trim() === "") return;
    var v = parseFloat(input.value);
    if (isNaN(v)) return;
    var above = input.getAttribute("data-warn-above");
    var below = input.getAttribute("data-warn-below");
    var abnormal = (above !== null && v > parseFloat(above)) || (below !== null && v < parseFloat(below));
    var radio = form.querySelector("input[name=result][value=" + (abnormal ? "abnormal" : "ok") + "]");
    if (radio) radio.checked = true;
    form.closest(".check-item").classList.toggle("is-abnormal", abnormal);
  });

  function setUpPad(canvas) {
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
    function point(e) {
      var r = canvas.getBoundingClientRect();
      return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
    }
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true;
      canvas.setPointerCapture(e.pointerId);
      var p = point(e);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      e.preventDefault();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      var p = point(e);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      drawn = true;
      e.preventDefault();
    });
    function stop() { drawing = false; }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    var form = canvas.closest("form");
    var clear = form.querySelector("[data-signature-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
      });
    }
    form.addEventListener("submit", function () {
      var field = form.querySelector("[data-signature-value]");
      if (field) field.value = drawn ? canvas.toDataURL("image/png") : "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-signature-pad]").forEach(setUpPad);
  });
})();
