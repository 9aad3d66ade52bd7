// Herald console: the one script. Elements with data-live="<url>" are refreshed from that URL
// (an HTML fragment) every data-every milliseconds until the fragment says data-done="true".
// Without JavaScript the pages still work; they are just not live.
"use strict";

function refresh(element) {
  const url = element.dataset.live;
  const every = Number(element.dataset.every || 1000);
  const tick = async () => {
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { "Accept": "text/html" },
      });
      if (response.redirected || response.status === 401) {
        window.location.href = "/console/login?expired=1";
        return;
      }
      if (response.ok) {
        element.innerHTML = await response.text();
      }
    } catch (_) {
      // A failed poll is retried on the next tick.
    }
    const done = element.querySelector("[data-done='true']");
    if (!done) {
      window.setTimeout(tick, every);
    }
  };
  if (!element.querySelector("[data-done='true']")) {
    window.setTimeout(tick, every);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-live]").forEach(refresh);
  document.querySelectorAll("[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
});
