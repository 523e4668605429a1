// Heard: small progressive enhancements. Everything works without this file.
// - "Read it to me" with the browser's own speech (nothing leaves the device), only
//   in a voice for the page's language; with none, the button hides and says why.
// - After a card tap, the place on the page and the focus stay on that card.
// - Forms post in the background; if the network drops, say so kindly, keep what
//   was tapped, and send it when the connection comes back.
// - On a shared tablet, go back to the start after a quiet minute.
// - Picture PINs become one grid to tap four times.
"use strict";
(function () {
  var queue = [];
  var sending = false;
  var idleTimer = null;

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // -- read aloud ---------------------------------------------------------------
  // The best voice for a language tag such as "ar" or "en-GB": the exact tag first,
  // then any voice of the same language ("en-US" for "en-GB"); null when none.
  function voiceFor(lang) {
    var voices = window.speechSynthesis.getVoices() || [];
    var want = (lang || "en").toLowerCase().replace(/_/g, "-");
    var base = want.split("-")[0];
    var same = null;
    for (var i = 0; i < voices.length; i++) {
      var tag = (voices[i].lang || "").toLowerCase().replace(/_/g, "-");
      if (tag === want) return voices[i];
      if (!same && tag.split("-")[0] === base) same = voices[i];
    }
    return same;
  }

  function setUpSpeech() {
    var button = $("[data-say-button]");
    var why = $("[data-no-voice]");
    if (!button || !("speechSynthesis" in window)) return;
    var lang = document.documentElement.lang || "en";
    var voice = null;
    var decide = function () {
      voice = voiceFor(lang);
      var known = (window.speechSynthesis.getVoices() || []).length > 0;
      button.hidden = !voice;
      // Only say "no voice" once the device has told us its voices: many browsers
      // load them a moment after the page.
      if (why) why.hidden = !!voice || !known;
    };
    decide();
    window.speechSynthesis.addEventListener("voiceschanged", decide);
    button.addEventListener("click", function () {
      if (!voice) return;
      window.speechSynthesis.cancel();
      var parts = $all("[data-say], .notice, .card-label, .choices .button, .faces .face-name");
      var text = parts.map(function (el) { return el.innerText; }).join(". \n");
      var say = new SpeechSynthesisUtterance(text);
      say.voice = voice;
      say.lang = voice.lang || lang;
      say.rate = 0.9;
      window.speechSynthesis.speak(say);
    });
  }

  // -- tablet idle -----------------------------------------------------------------
  function setUpIdle() {
    var url = document.body.getAttribute("data-idle-url");
    var seconds = parseInt(document.body.getAttribute("data-idle-seconds") || "0", 10);
    if (idleTimer) clearTimeout(idleTimer);
    if (!url || !seconds) return;
    var reset = function () {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(function () { window.location.replace(url); }, seconds * 1000);
    };
    reset();
    if (!setUpIdle.bound) {
      ["pointerdown", "keydown", "input"].forEach(function (type) {
        document.addEventListener(type, function () { if (idleTimer) setUpIdle(); }, true);
      });
      setUpIdle.bound = true;
    }
  }

  // -- posting forms without losing anything ------------------------------------
  function showOffline(on) {
    var box = $("[data-offline]");
    if (box) box.hidden = !on;
  }

  // keep: the id of the card just tapped and where it sat on the screen, so the new
  // page opens with that card in the same place and focused.
  function swapPage(html, url, keep) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    document.title = doc.title;
    $all("body > *").forEach(function (el) { el.remove(); });
    Array.prototype.slice.call(document.body.attributes).forEach(function (a) {
      document.body.removeAttribute(a.name);
    });
    Array.prototype.slice.call(doc.body.attributes).forEach(function (a) {
      document.body.setAttribute(a.name, a.value);
    });
    Array.prototype.slice.call(doc.body.childNodes).forEach(function (node) {
      document.body.appendChild(document.importNode(node, true));
    });
    if (url) history.replaceState(null, "", url);
    enhance();
    // A crisis screen always opens at the top: the contacts come first.
    var card = keep && !$(".urgent") && document.getElementById(keep.id);
    if (card) {
      card.focus({ preventScroll: true });
      window.scrollBy(0, card.getBoundingClientRect().top - keep.top);
      return;
    }
    window.scrollTo(0, 0);
    var main = $("#main");
    var first = main && main.querySelector("h1, .panel");
    if (first) { first.setAttribute("tabindex", "-1"); first.focus({ preventScroll: true }); }
  }

  function flush() {
    if (sending || !queue.length) return;
    sending = true;
    var item = queue[0];
    fetch(item.action, { method: "POST", body: item.body, credentials: "same-origin",
                         headers: { "Accept": "text/html" } })
      .then(function (response) {
        return response.text().then(function (text) { return { response: response, text: text }; });
      })
      .then(function (result) {
        queue.shift();
        sending = false;
        showOffline(false);
        // Later taps in the queue were made on this page; only the last page matters.
        if (!queue.length) swapPage(result.text, result.response.url, item.keep);
        else flush();
      })
      .catch(function () {
        sending = false;
        showOffline(true);
      });
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-flow-form]")) return;
    event.preventDefault();
    var body = new URLSearchParams(new FormData(form));
    var button = event.submitter;
    if (button && button.name) body.append(button.name, button.value);
    if (button && button.hasAttribute("data-toggle")) {
      // Show the tap straight away; the server decides, and the page catches up.
      var on = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.classList.toggle("picked", on);
      button.classList.add("pending");
    } else if (button) {
      button.disabled = true;
    }
    var keep = button && button.id && button.hasAttribute("data-toggle")
      ? { id: button.id, top: button.getBoundingClientRect().top } : null;
    queue.push({ action: form.action, body: body, keep: keep });
    if (navigator.onLine === false) { showOffline(true); return; }
    flush();
  }

  // -- picture PINs: one grid, tapped four times ----------------------------------
  function setUpPicturePins() {
    $all("[data-picture-pin]").forEach(function (box) {
      if (box.classList.contains("one-grid")) return;
      var places = $all("fieldset", box);
      if (places.length !== 4) return;
      var slots = $("[data-pin-slots]", box);
      var clear = $("[data-pin-clear]", box);
      var grid = document.createElement("div");
      grid.className = "pin-grid";
      var count = 0;
      $all("label", places[0]).forEach(function (label) {
        var input = $("input", label);
        var img = $("img", label);
        var b = document.createElement("button");
        b.type = "button";
        b.appendChild(img.cloneNode(true));
        b.setAttribute("aria-label", img.alt);
        b.addEventListener("click", function () {
          if (count >= 4) return;
          var target = $("input[value='" + input.value + "']", places[count]);
          target.checked = true;
          count += 1;
          $all("span", slots)[count - 1].classList.add("full");
          if (navigator.vibrate) navigator.vibrate(20);
        });
        grid.appendChild(b);
      });
      slots.hidden = false;
      clear.hidden = false;
      clear.addEventListener("click", function () {
        count = 0;
        $all("input", box).forEach(function (i) { i.checked = false; });
        $all("span", slots).forEach(function (s) { s.classList.remove("full"); });
      });
      slots.after(grid);
      box.classList.add("one-grid");
    });
  }

  function enhance() {
    setUpSpeech();
    setUpIdle();
    setUpPicturePins();
  }

  document.addEventListener("submit", onSubmit);
  window.addEventListener("online", flush);
  window.addEventListener("offline", function () { if (queue.length) showOffline(true); });
  // A page shown from the back/forward cache must not show anyone's answers.
  window.addEventListener("pageshow", function (e) { if (e.persisted) window.location.reload(); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", enhance);
  else enhance();
})();
