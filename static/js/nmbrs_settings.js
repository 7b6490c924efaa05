// Nmbrs settings: the "all" switch of the import preferences, and the Disconnect dialog.
// Everything works without it (the server applies the same switch rule; the dialog is a page).
(function () {
  "use strict";
  if (window.nmbrsSettingsLoaded) return;  // a boosted navigation may load the script again
  window.nmbrsSettingsLoaded = true;

  // "All" sets the three; turning one of them off (or on) updates "all". The hidden field tells
  // the server the state of "all" it should compare against.
  document.addEventListener("change", function (event) {
    var input = event.target;
    var form = input.form;
    if (!form || !(input.matches("[data-import-all]") || input.matches("[data-import-one]"))) return;
    var all = form.querySelector("[data-import-all]");
    var ones = form.querySelectorAll("[data-import-one]");
    if (input === all) {
      ones.forEach(function (one) { one.checked = all.checked; });
    } else {
      all.checked = Array.prototype.every.call(ones, function (one) { return one.checked; });
    }
    var was = form.querySelector("[data-import-all-was]");
    if (was) was.value = all.checked ? "y" : "";
  });

  function focusable(dialog) {
    return Array.prototype.filter.call(
      dialog.querySelectorAll("a[href], button:not([disabled]), input:not([type=hidden]), select, textarea"),
      function (el) { return el.offsetParent !== null || el === document.activeElement; });
  }

  function openDialogs(root) {
    var dialogs = root.querySelectorAll ? root.querySelectorAll("dialog[data-modal]") : [];
    dialogs.forEach(function (dialog) {
      if (dialog.open) return;
      dialog.showModal();
      var first = dialog.querySelector("[autofocus]") || focusable(dialog)[0];
      if (first) first.focus();
    });
  }

  function closeDialog(dialog) {
    var opener = document.getElementById(dialog.dataset.opener || "");
    if (dialog.open) dialog.close();
    dialog.remove();
    if (opener) opener.focus();
  }

  document.addEventListener("htmx:load", function (event) { openDialogs(event.detail.elt.parentNode || document); });

  document.addEventListener("click", function (event) {
    var cancel = event.target.closest("[data-close-dialog]");
    if (!cancel) return;
    var dialog = cancel.closest("dialog");
    if (!dialog) return;
    event.preventDefault();
    closeDialog(dialog);
  });

  // Escape closes the dialog and Tab stays inside it (the page behind is inert while it is open).
  document.addEventListener("keydown", function (event) {
    var dialog = document.activeElement && document.activeElement.closest("dialog[data-modal]");
    if (!dialog) dialog = document.querySelector("dialog[data-modal][open]");
    if (!dialog) return;
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopImmediatePropagation();
      closeDialog(dialog);
    } else if (event.key === "Tab") {
      var items = focusable(dialog);
      if (!items.length) return;
      var first = items[0], last = items[items.length - 1];
      if (event.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
        event.preventDefault(); last.focus();
      } else if (!event.shiftKey && (document.activeElement === last || !dialog.contains(document.activeElement))) {
        event.preventDefault(); first.focus();
      }
    }
  }, true);

  // A native "cancel" (e.g. a close request) also returns the focus.
  document.addEventListener("cancel", function (event) {
    if (event.target.matches && event.target.matches("dialog[data-modal]")) {
      event.preventDefault();
      closeDialog(event.target);
    }
  }, true);
})();
