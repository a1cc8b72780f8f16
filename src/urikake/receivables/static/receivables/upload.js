// Invoice and statement uploads: drag-and-drop onto the form and an upload progress bar.
// Progressive enhancement: without this file the forms are ordinary multipart posts.
// The server's answer (the same page, with the fields read from the file) replaces the page.
(function () {
  "use strict";

  function enhance(input) {
    var form = input.form;
    if (!form || !window.XMLHttpRequest || !window.FormData) {
      return;
    }
    var zone = document.createElement("div");
    zone.className = "drop-zone";
    zone.setAttribute("aria-hidden", "true");
    // The page's language (the <html lang> the server wrote): English pages read English.
    var english = (document.documentElement.lang || "").indexOf("en") === 0;
    zone.textContent =
      form.dataset.dropText ||
      (english ? "Drag and drop a file here" : "ここにファイルをドラッグ＆ドロップ");
    input.parentNode.insertBefore(zone, input.nextSibling);
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.hidden = true;
    bar.className = "upload-progress";
    zone.parentNode.insertBefore(bar, zone.nextSibling);

    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("drop-zone-active");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () {
        zone.classList.remove("drop-zone-active");
      });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        form.requestSubmit();
      }
    });

    form.addEventListener("submit", function (event) {
      if (!input.files || !input.files.length) {
        return; // let the server say what is missing
      }
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action || window.location.href);
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.hidden = false;
          bar.value = Math.round((e.loaded / e.total) * 100);
        }
      });
      request.addEventListener("load", function () {
        document.open();
        document.write(request.responseText);
        document.close();
        if (request.responseURL) {
          window.history.replaceState(null, "", request.responseURL);
        }
      });
      request.addEventListener("error", function () {
        bar.hidden = true;
        form.submit();
      });
      request.send(new FormData(form));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[type=file][data-drop-upload]").forEach(enhance);
  });
})();
