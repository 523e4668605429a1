// The live staff desk. Everything works without this file (reload to see news);
// with it, the page listens to /staff/events (Server-Sent Events from our own
// server) and refreshes its content when the desk changes. A new urgent alert is
// announced on screen, to screen readers (aria-live) and, once the page has had a
// tap or a key press (browsers only allow sound after that), with a short sound.
(function () {
  "use strict";
  var url = document.body.getAttribute("data-live");
  if (!url || !window.EventSource || !window.fetch) { return; }

  var audio = null;
  function unlockSound() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return; }
    if (!audio) { audio = new Ctx(); }
    if (audio.state === "suspended") { audio.resume(); }
  }
  document.addEventListener("pointerdown", unlockSound, { once: false });
  document.addEventListener("keydown", unlockSound, { once: false });

  function chime() {
    if (!audio || audio.state !== "running") { return; }
    [0, 0.35].forEach(function (start) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, audio.currentTime + start);
      gain.gain.exponentialRampToValueAtTime(0.3, audio.currentTime + start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + start + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + start);
      osc.stop(audio.currentTime + start + 0.32);
    });
  }

  function alertIds(root) {
    var ids = {};
    root.querySelectorAll("[data-alert-id]").forEach(function (el) {
      ids[el.getAttribute("data-alert-id")] = el.getAttribute("data-say");
    });
    return ids;
  }

  function busyTyping() {
    var el = document.activeElement;
    if (el && (el.tagName === "TEXTAREA" || el.tagName === "INPUT" || el.tagName === "SELECT")) {
      return true;
    }
    return Array.prototype.some.call(document.querySelectorAll("textarea"), function (t) {
      return t.value.trim() !== "";
    });
  }

  function replaceAlerts(fresh) {
    var main = document.getElementById("main");
    var old = main.querySelector("[data-alerts]");
    var incoming = fresh.querySelector("[data-alerts]");
    if (old && incoming) { old.replaceWith(incoming); }
    else if (old) { old.remove(); }
    else if (incoming) { main.insertBefore(incoming, main.firstChild); }
  }

  function refresh() {
    var before = alertIds(document);
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.redirected && response.url.indexOf("/staff/sign-in") !== -1) {
          window.location.reload();
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        replaceAlerts(fresh);
        var region = document.querySelector("[data-live-region]");
        var incoming = fresh.querySelector("[data-live-region]");
        // Never throw away a reply someone is typing: their page waits for them.
        if (region && incoming && !busyTyping()) { region.replaceWith(incoming); }
        var after = alertIds(document);
        var news = Object.keys(after).filter(function (id) { return !(id in before); });
        if (news.length) {
          document.querySelector("[data-announce]").textContent = after[news[0]];
          document.body.classList.remove("flash");
          void document.body.offsetWidth;
          document.body.classList.add("flash");
          chime();
        }
      })
      .catch(function () { /* the next change tries again */ });
  }

  var source = new EventSource(url);
  source.addEventListener("change", refresh);
  source.addEventListener("signed-out", function () { source.close(); window.location.reload(); });
})();
