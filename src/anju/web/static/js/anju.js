/* Small helpers for the counter pages. Every page works without them; they only add comfort.
   Amounts are handled as integer fen (BigInt), never as floating-point numbers. */
(function () {
  "use strict";

  var YUAN = /^(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$/;

  function toFen(text) {
    text = (text || "").trim();
    if (!YUAN.test(text)) { return null; }
    var parts = text.split(".");
    var frac = ((parts[1] || "") + "00").slice(0, 2);
    return BigInt(parts[0]) * 100n + BigInt(frac);
  }

  function formatFen(fen) {
    var negative = fen < 0n;
    if (negative) { fen = -fen; }
    var whole = (fen / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var frac = (fen % 100n).toString().padStart(2, "0");
    return (negative ? "-" : "") + whole + "." + frac;
  }

  function recompute(form) {
    var debit = 0n, credit = 0n, bad = 0;
    form.querySelectorAll("tr.voucher-line").forEach(function (row) {
      var amountInput = row.querySelector("input[name=amount]");
      var side = row.querySelector("select[name=side]");
      if (!amountInput || !side) { return; }
      var text = amountInput.value.trim();
      if (text === "") { amountInput.removeAttribute("aria-invalid"); return; }
      var fen = toFen(text);
      if (fen === null) { bad += 1; amountInput.setAttribute("aria-invalid", "true"); return; }
      amountInput.removeAttribute("aria-invalid");
      if (side.value === "debit") { debit += fen; } else { credit += fen; }
    });
    var set = function (id, value) { var el = form.querySelector(id); if (el) { el.textContent = value; } };
    set("#total-debit", formatFen(debit));
    set("#total-credit", formatFen(credit));
    var diff = form.querySelector("#total-diff");
    if (diff) {
      if (bad > 0) {
        diff.textContent = "有 " + bad + " 行金额格式不正确";
        diff.className = "diff-bad";
      } else if (debit === credit && debit > 0n) {
        diff.textContent = "借贷平衡";
        diff.className = "diff-ok";
      } else {
        diff.textContent = "借贷差额 " + formatFen(debit - credit);
        diff.className = "diff-bad";
      }
    }
  }

  function voucherForm(node) {
    return node && node.closest ? node.closest("form[data-voucher-form]") : null;
  }

  document.addEventListener("input", function (event) {
    var form = voucherForm(event.target);
    if (form) { recompute(form); }
  });
  document.addEventListener("change", function (event) {
    var form = voucherForm(event.target);
    if (form) { recompute(form); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-remove-line]") : null;
    if (!button) { return; }
    event.preventDefault();
    var form = voucherForm(button);
    var row = button.closest("tr");
    if (form && row && form.querySelectorAll("tr.voucher-line").length > 2) {
      row.remove();
      recompute(form);
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var form = voucherForm(event.target);
    if (form) { recompute(form); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-voucher-form]").forEach(recompute);
  });
})();
