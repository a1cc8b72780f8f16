/* Urikake: a wide table scrolls inside its own box on a phone (site.css); a box that scrolls
   must be reachable by keyboard (WCAG 2.1.1), so it becomes focusable, named by its table's
   caption or the nearest heading. Runs on every page; does nothing where nothing scrolls. */
(function () {
  "use strict";
  function name(box) {
    var caption = box.querySelector("caption");
    if (caption) return caption.textContent.trim();
    var section = box.closest("section");
    var heading = section && section.querySelector("h1, h2, h3");
    return heading ? heading.textContent.trim() : document.title;
  }
  function mark() {
    var boxes = document.querySelectorAll("main .table-scroll, main table");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        if (box.tagName !== "TABLE") {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", name(box));
        }
      }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mark);
  } else {
    mark();
  }
  window.addEventListener("resize", mark);
})();
