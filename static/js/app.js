// Payroll Link: the few lines of JavaScript the pages need. Everything works without it;
// this adds the CSRF header to htmx requests, error messages, and keyboard conveniences.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // Without htmx (neither the CDN nor the vendored copy loaded) nothing polls: show the
  // Refresh links that stand in for polling (the _macros.html refresh_without_polling).
  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) return;
    document.querySelectorAll("[data-without-htmx]").forEach(function (element) {
      element.hidden = false;
    });
  });

  // Send the CSRF token as a header on every htmx request. A listener instead of hx-headers on
  // <body>, because htmx 4 no longer inherits hx-headers (see ecosystem.md, "htmx and CSRF").
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // htmx drops 4xx/5xx bodies (except the 422 forms we opt in); say what happened instead.
  document.addEventListener("htmx:responseError", function (event) {
    var box = document.getElementById("request-error");
    if (!box) return;
    var status = event.detail.xhr.status;
    var messages = {
      400: "The form was out of date. Reload the page and try again.",
      403: "Your role does not allow this.",
      404: "This item no longer exists.",
      429: "Too many attempts. Wait a minute and try again."
    };
    box.textContent = messages[status] || "Something went wrong (error " + status + "). Try again.";
    box.hidden = false;
  });
  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("request-error");
    if (box) { box.textContent = "The server cannot be reached. Check your connection."; box.hidden = false; }
  });
  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("request-error");
    if (box) box.hidden = true;
  });

  // Remember which control opened a fragment so Escape can return the focus to it.
  var opener = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    if (element && element.matches && element.matches("a, button") && !element.closest("form")) {
      opener = element.id || element.getAttribute("hx-get") || null;
    }
  });

  function restoreFocus(selector) {
    var target = selector && (document.getElementById(selector) ||
      document.querySelector('[hx-get="' + CSS.escape(selector) + '"]'));
    if (target) target.focus();
  }

  // Escape closes an open inline form or dialog (its Cancel control) and returns the focus.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    // The open dialog counts too when the focus is outside it (e.g. on <body> after a click).
    var active = document.activeElement;
    var scope = (active && active !== document.body &&
      active.closest("[data-escape-scope], form, dialog")) || document.querySelector("dialog[open]");
    if (!scope) return;
    var cancel = scope.querySelector("[data-cancel]");
    if (!cancel) return;
    event.preventDefault();
    var back = opener;
    cancel.click();
    document.addEventListener("htmx:afterSettle", function once() {
      document.removeEventListener("htmx:afterSettle", once);
      restoreFocus(back);
    });
  });

  // After a swap, focus the first [autofocus] field (htmx does this too) or keep the focus on
  // the element that was replaced, found again by id.
  document.addEventListener("htmx:afterSettle", function (event) {
    var focusTarget = event.detail.elt.querySelector && event.detail.elt.querySelector("[autofocus]");
    if (focusTarget && document.activeElement !== focusTarget) focusTarget.focus();
  });

  // A swap that replaces the focused element keeps the focus: htmx 2 focuses the element with
  // the same id again after the swap (swap() in htmx.js). So lists give every control a stable id.

  // Polling ([data-poll], e.g. the task list's "every 30s") skips a round while the user is
  // choosing in a select of the region it would replace, so a half-made choice is not reset.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var poller = event.detail.elt;
    if (!poller || !poller.hasAttribute || !poller.hasAttribute("data-poll")) return;
    if (event.detail.requestConfig && event.detail.requestConfig.triggeringEvent &&
        event.detail.requestConfig.triggeringEvent.type === "click") return;
    var target = event.detail.target;
    var active = document.activeElement;
    if (target && active && active.tagName === "SELECT" && target.contains(active)) {
      event.preventDefault();
    }
  });
})();
