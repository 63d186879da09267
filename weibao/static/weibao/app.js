/* Weibao — the page behaviour that used to sit in inline attributes. The Content-Security-Policy
   allows scripts only from the installation itself ('self'), so no template carries onclick=,
   onchange= or <script> blocks: they mark elements with data-* attributes and these listeners,
   delegated from the document, act on them (also for content htmx swaps in later). */
(function () {
  "use strict";

  // <details data-open-wide>: open where there is room (a desk); a phone shows the summary only
  // and the list comes first.
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.matchMedia("(min-width: 701px)").matches) return;
    document.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
  });

  // <select data-autosubmit>: choosing an option submits its form (filters, language switch).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.submit();
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;

    // <button data-menu-toggle>: open or close the navigation (the phone's compact header).
    var menu = target.closest("[data-menu-toggle]");
    if (menu) {
      var bar = menu.closest(".topbar");
      var open = bar.classList.toggle("menu-open");
      menu.setAttribute("aria-expanded", open ? "true" : "false");
      return;
    }

    // Header menus: one open at a time; a click elsewhere closes them.
    var group = target.closest("details[data-navgroup]");
    document.querySelectorAll("details[data-navgroup][open]").forEach(function (open) {
      if (open !== group) open.removeAttribute("open");
    });

    // <button data-print>: print the page (QR sheets).
    if (target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
      return;
    }

    // <button data-confirm="…">: ask before submitting or following.
    var confirmable = target.closest("[data-confirm]");
    if (confirmable && !window.confirm(confirmable.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
