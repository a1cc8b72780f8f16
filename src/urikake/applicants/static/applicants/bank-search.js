// Live bank/branch search for the payout-account step (progressive enhancement).
//
// Without this file the page works as plain forms: the search box submits a GET and the
// server lists the results as links. With it, typing fetches the same results from
// /api/applicants/banks (or …/branches) and renders the same links in place, so the choice
// is still an ordinary link (keyboard and screen-reader friendly). Results are built with
// DOM methods and textContent only: nothing from the network becomes HTML.
(function () {
  "use strict";

  var DELAY_MS = 250;

  function resultsBox(form) {
    var box = form.nextElementSibling;
    return box && box.hasAttribute("data-results") ? box : null;
  }

  function linkFor(form, item) {
    var base = form.getAttribute("action") || window.location.pathname;
    var params = new URLSearchParams();
    if (form.dataset.bankSearch === "banks") {
      params.set("bank", item.code);
    } else {
      params.set("bank", form.dataset.bank);
      params.set("branch", item.code);
    }
    return base + "?" + params.toString();
  }

  function render(form, box, items) {
    box.replaceChildren();
    var p = document.createElement("p");
    if (!items.length) {
      p.textContent = form.dataset.msgNone;
      box.appendChild(p);
      return;
    }
    p.textContent = items.length + form.dataset.msgFound;
    box.appendChild(p);
    var ul = document.createElement("ul");
    ul.className = "results";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = linkFor(form, item);
      var code = document.createElement("span");
      code.className = "code";
      code.textContent = item.code;
      var kana = document.createElement("span");
      kana.className = "kana";
      kana.textContent = item.kana;
      a.appendChild(code);
      a.appendChild(document.createTextNode(" " + item.name));
      a.appendChild(kana);
      li.appendChild(a);
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }

  function showError(box, message) {
    box.replaceChildren();
    var p = document.createElement("p");
    p.className = "message message-error";
    p.textContent = message;
    box.appendChild(p);
  }

  function enhance(form) {
    var input = form.querySelector("input[type=search]");
    var box = resultsBox(form);
    if (!input || !box || !window.fetch) {
      return;
    }
    var timer = null;
    var latest = 0;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var q = input.value.trim();
        if (!q) {
          box.replaceChildren();
          return;
        }
        var ticket = ++latest; // ignore answers that arrive after a newer query was sent
        fetch(form.dataset.api + "?q=" + encodeURIComponent(q), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) {
            return response.json().then(function (body) {
              return { ok: response.ok, body: body };
            });
          })
          .then(function (result) {
            if (ticket !== latest) {
              return;
            }
            if (result.ok) {
              render(form, box, result.body.results);
            } else if (result.body && result.body.error) {
              showError(box, result.body.error.message);
            }
          })
          .catch(function () {
            // Network trouble: the search button still submits the form to the server.
          });
      }, DELAY_MS);
    });
  }

  document.querySelectorAll("form[data-bank-search]").forEach(enhance);
})();
