// eKYC page helpers (progressive enhancement: the page works without this file).
// 1. While a check is pending, ask /api/kyc/status now and then and reload on a change.
// 2. Next to the document input (which opens the camera on phones), offer "choose a file"
//    so that a PDF or an existing photo can be sent instead.
(function () {
  "use strict";

  function poll(box) {
    var url = box.getAttribute("data-kyc-poll-url");
    var current = box.getAttribute("data-kyc-status");
    var tries = 0;
    var maxTries = 120; // about 10 minutes at 5 s; then the user reloads by hand
    function ask() {
      tries += 1;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && data.status && data.status !== current) {
            window.location.reload();
          } else if (tries < maxTries) {
            window.setTimeout(ask, 5000);
          }
        })
        .catch(function () {
          if (tries < maxTries) { window.setTimeout(ask, 10000); }
        });
    }
    window.setTimeout(ask, 3000);
  }

  function fileSwitch(input) {
    var wrapper = document.createElement("p");
    var label = document.createElement("label");
    var box = document.createElement("input");
    box.type = "checkbox";
    box.id = input.id + "_from_file";
    label.setAttribute("for", box.id);
    label.className = "kyc-file-switch";
    label.appendChild(box);
    var english = (document.documentElement.lang || "").indexOf("en") === 0;  // the page's language
    label.appendChild(
      document.createTextNode(
        english
          ? " Choose a file instead of using the camera (PDF etc.)"
          : " カメラを使わずにファイルから選ぶ（PDF など）"
      )
    );
    wrapper.appendChild(label);
    input.insertAdjacentElement("afterend", wrapper);
    box.addEventListener("change", function () {
      if (box.checked) {
        input.removeAttribute("capture");
      } else {
        input.setAttribute("capture", "environment");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-kyc-poll-url]");
    if (box && window.fetch) { poll(box); }
    var input = document.querySelector("input[data-kyc-document]");
    if (input) { fileSwitch(input); }
  });
})();
