// Loaded right after htmx from the CDN (with SRI). When that copy did not run (the CDN is
// blocked, offline, or served other bytes than the integrity hash allows), load the vendored
// copy of the same version. document.write keeps the order: the vendored htmx runs before the
// page is parsed on, so it starts exactly as the CDN copy would have (htmx waits for
// DOMContentLoaded). No inline script, so the Content-Security-Policy needs no nonce.
(function () {
  "use strict";
  if (window.htmx) return;
  var me = document.currentScript;
  var vendored = me && me.getAttribute("data-htmx-src");
  var integrity = me && me.getAttribute("data-htmx-integrity");
  if (!vendored) return;
  document.write('<script src="' + vendored + '"' +
    (integrity ? ' integrity="' + integrity + '"' : "") + '><\/script>');
})();
