// ParkTrack data sheet and grids: keyboard, paste from Excel, the validation echo, busy forms.
// The server is the judge of every value; this script only helps people type and see problems early.
(function () {
  "use strict";

  var NON_NEGATIVE = { level: true, share: true, cumulative_flow: true, intensity: true };

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return values[key] === undefined ? "" : values[key];
    });
  }

  // "1,234.5", "1，234.5", " 1 234 " → 1234.5; "" → null; anything else → NaN.
  function parseNumber(text) {
    var cleaned = String(text).replace(/[,，\s]/g, "");
    if (cleaned === "") { return null; }
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(cleaned)) { return NaN; }
    return Number(cleaned);
  }

  function trimNumber(value) {
    return String(Math.round(value * 10) / 10);
  }

  // --- Keyboard: Enter moves down, Shift+Enter up, in the same column, across the page's grids ----
  function columnInputs(col) {
    return Array.prototype.slice.call(
      document.querySelectorAll("[data-grid] input[data-col='" + col + "']:not([disabled])")
    );
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.matches || !input.matches("[data-grid] input[data-col]")) { return; }
    event.preventDefault();
    var inputs = columnInputs(input.getAttribute("data-col"));
    var next = inputs[inputs.indexOf(input) + (event.shiftKey ? -1 : 1)];
    if (next) { next.focus(); next.select(); }
  });

  // --- Paste: a column (or a block) copied from Excel fills consecutive rows ---------------------------
  function rowInputs(tr) {
    return Array.prototype.slice.call(tr.querySelectorAll("input[data-col]:not([disabled])"));
  }

  document.addEventListener("paste", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-grid] input[data-col]")) { return; }
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (!text) { return; }
    var lines = text.replace(/\r/g, "").split("\n");
    if (lines.length && lines[lines.length - 1] === "") { lines.pop(); }
    if (lines.length <= 1 && lines[0].indexOf("\t") < 0) { return; } // one value: the normal paste
    event.preventDefault();
    var table = input.closest("table");
    var rows = Array.prototype.slice.call(table.querySelectorAll("tr[data-row]"));
    var start = rows.indexOf(input.closest("tr"));
    var col = input.getAttribute("data-col");
    var filled = 0, locked = 0;
    lines.forEach(function (line, offset) {
      var tr = rows[start + offset];
      if (!tr) { return; }
      var inputs = rowInputs(tr);
      var first = inputs.findIndex(function (el) { return el.getAttribute("data-col") === col; });
      if (first < 0) { locked += 1; return; } // a locked row keeps its place in the pasted column
      line.split("\t").forEach(function (cell, k) {
        var target = inputs[first + k];
        if (target) {
          target.value = cell.trim();
          target.dispatchEvent(new Event("input", { bubbles: true }));
        }
      });
      filled += 1;
    });
    var status = document.getElementById("sheet-status");
    if (status && table.dataset.msgPasted) {
      status.textContent = fill(table.dataset.msgPasted, { n: filled }) +
        (locked ? fill(table.dataset.msgLocked || "", { n: locked }) : "");
    }
  });

  // --- The validation echo on the data sheet -----------------------------------------------------------
  function checkRow(tr) {
    var table = tr.closest("table");
    var valueInput = tr.querySelector("input[data-col='value']");
    if (!valueInput || !table.dataset.msgNan) { return; }
    var noteInput = tr.querySelector("input[data-col='note']");
    var out = tr.querySelector(".msgs .client");
    var value = parseNumber(valueInput.value);
    var errors = [], warnings = [];
    if (value !== null) {
      if (isNaN(value)) {
        errors.push("“" + valueInput.value + "”" + table.dataset.msgNan);
      } else {
        if (value < 0 && NON_NEGATIVE[tr.dataset.measure]) { errors.push(table.dataset.msgNegative); }
        if (tr.dataset.measure === "share" && value > 100) { errors.push(table.dataset.msgShare); }
        var prev = parseNumber(tr.dataset.prev || "");
        var threshold = Number(tr.dataset.threshold || "0.3");
        if (!errors.length && prev !== null && !isNaN(prev) && prev !== 0) {
          var change = (value - prev) / Math.abs(prev);
          if (Math.abs(change) > threshold) {
            warnings.push(fill(table.dataset.msgYoy, {
              prev: tr.dataset.prev, change: trimNumber(change * 100), threshold: Math.round(threshold * 100)
            }));
          }
        }
        var low = parseNumber(tr.dataset.low || ""), high = parseNumber(tr.dataset.high || "");
        if (!errors.length && low !== null && high !== null && (value < low || value > high)) {
          warnings.push(fill(table.dataset.msgRange, { low: tr.dataset.low, high: tr.dataset.high }));
        }
      }
    }
    tr.classList.toggle("client-error", errors.length > 0);
    tr.classList.toggle("client-warning", warnings.length > 0);
    var needNote = warnings.length > 0 && noteInput && !noteInput.value.trim();
    if (noteInput) { noteInput.classList.toggle("need-note", needNote); }
    if (out) {
      out.className = "client " + (errors.length ? "error" : warnings.length ? "warning" : "");
      out.textContent = errors.concat(warnings).join("；");
    }
    valueInput.setAttribute("aria-invalid", errors.length ? "true" : "false");
  }

  document.addEventListener("input", function (event) {
    var tr = event.target.closest && event.target.closest("tr[data-row]");
    if (!tr || !event.target.matches("input[data-col]")) { return; }
    if (event.target.getAttribute("data-col") === "value") {
      tr.querySelectorAll(".msgs .server, .msgs .error:not(.client)").forEach(function (el) { el.hidden = true; });
      tr.classList.remove("has-warning", "has-error");
    }
    checkRow(tr);
  });

  document.querySelectorAll("table[data-msg-nan] tr[data-row]").forEach(function (tr) {
    if (tr.querySelector("input[data-col='value']") && !tr.classList.contains("has-error")) {
      if (tr.classList.contains("has-warning")) {
        var note = tr.querySelector("input[data-col='note']");
        if (note && !note.value.trim()) { note.classList.add("need-note"); }
      }
    }
  });

  // Submitting a sheet with warnings but no notes would be refused by the server: say so at once.
  document.querySelectorAll("button[data-check-notes]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var missing = Array.prototype.slice.call(
        document.querySelectorAll("tr.has-warning input.need-note, tr.client-warning input.need-note")
      );
      var broken = document.querySelectorAll("tr.client-error");
      if (!missing.length && !broken.length) { return; }
      event.preventDefault();
      var status = document.getElementById("sheet-status");
      var first = broken.length ? broken[0].querySelector("input[data-col='value']") : missing[0];
      if (status) {
        status.className = "status-line error";
        status.textContent = broken.length
          ? button.dataset.msgErrors
          : button.dataset.msgNotes;
      }
      if (first) { first.focus(); }
    });
  });

  // --- Review: choosing "return" asks for the comment -----------------------------------------------
  document.querySelectorAll("input[type='radio'][data-decision]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      var tr = radio.closest("tr");
      var comment = tr && tr.querySelector("input[data-comment]");
      if (!comment) { return; }
      var returning = radio.value === "return" && radio.checked;
      comment.required = returning;
      comment.classList.toggle("need-note", returning && !comment.value.trim());
      if (returning) { comment.focus(); }
    });
  });

  // --- Busy forms: long saves and uploads show that they are working, and are not sent twice ---------
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }
      var submitter = event.submitter;
      if (submitter && submitter.name) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = submitter.name;
        hidden.value = submitter.value;
        form.appendChild(hidden);
      }
      form.querySelectorAll("button[type='submit']").forEach(function (b) { b.disabled = true; });
      form.querySelectorAll(".busy").forEach(function (el) { el.hidden = false; });
    });
  });
})();
