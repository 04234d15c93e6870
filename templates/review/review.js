// vidc review: filters and keyboard navigation for the static review site. No framework.
(function () {
  "use strict";
  var page = document.body.getAttribute("data-page");

  function typing(e) {
    var t = e.target && e.target.tagName;
    return t === "INPUT" || t === "SELECT" || t === "TEXTAREA" || e.altKey || e.ctrlKey || e.metaKey;
  }

  // ------------------------------------------------------------------ the grid
  if (page === "index") {
    var cards = Array.prototype.slice.call(document.querySelectorAll("#grid .card"));
    var buttons = Array.prototype.slice.call(document.querySelectorAll("#status-filter button"));
    var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-column]"));
    var state = { status: "all", cols: {} };

    function visible() { return cards.filter(function (c) { return !c.hidden; }); }

    function apply() {
      cards.forEach(function (card) {
        var vars = JSON.parse(card.getAttribute("data-vars") || "{}");
        var ok = state.status === "all" || card.getAttribute("data-status") === state.status;
        Object.keys(state.cols).forEach(function (k) {
          if (state.cols[k] !== "" && String(vars[k] === null || vars[k] === undefined ? "" : vars[k]) !== state.cols[k]) ok = false;
        });
        card.hidden = !ok;
      });
      buttons.forEach(function (b) {
        var on = b.getAttribute("data-status") === state.status;
        b.classList.toggle("on", on);
        b.setAttribute("aria-pressed", on ? "true" : "false");
      });
      var shown = visible().length;
      document.getElementById("shown").textContent = shown + " of " + cards.length + " shown";
      document.getElementById("empty").hidden = shown !== 0;
      var parts = [];
      if (state.status !== "all") parts.push("status=" + encodeURIComponent(state.status));
      Object.keys(state.cols).forEach(function (k) {
        if (state.cols[k] !== "") parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(state.cols[k]));
      });
      history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname + location.search);
    }

    function fromHash() {
      state = { status: "all", cols: {} };
      location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
        if (!kv) return;
        var i = kv.indexOf("="), k = decodeURIComponent(kv.slice(0, i)), v = decodeURIComponent(kv.slice(i + 1));
        if (k === "status") state.status = v; else state.cols[k] = v;
      });
      selects.forEach(function (s) { s.value = state.cols[s.getAttribute("data-column")] || ""; });
    }

    buttons.forEach(function (b) {
      b.addEventListener("click", function () { state.status = b.getAttribute("data-status"); apply(); });
    });
    selects.forEach(function (s) {
      s.addEventListener("change", function () { state.cols[s.getAttribute("data-column")] = s.value; apply(); });
    });
    cards.forEach(function (card) {
      card.addEventListener("click", function (e) {
        if (e.target.closest("a")) return;
        location.href = card.getAttribute("data-href");
      });
    });

    function move(delta, vertical) {
      var list = visible();
      if (!list.length) return;
      var i = list.indexOf(document.activeElement);
      if (i < 0) { list[0].focus(); return; }
      if (!vertical) { list[Math.max(0, Math.min(list.length - 1, i + delta))].focus(); return; }
      var here = list[i].getBoundingClientRect(), best = null, bestScore = Infinity;
      list.forEach(function (c) {
        var r = c.getBoundingClientRect();
        if (delta > 0 ? r.top <= here.top + 1 : r.top >= here.top - 1) return;
        var score = Math.abs(r.top - here.top) * 10 + Math.abs(r.left - here.left);
        if (score < bestScore) { bestScore = score; best = c; }
      });
      if (best) best.focus();
    }

    document.addEventListener("keydown", function (e) {
      if (typing(e)) return;
      var k = e.key;
      if (k === "ArrowRight" || k === "l") { move(1, false); e.preventDefault(); }
      else if (k === "ArrowLeft" || k === "h") { move(-1, false); e.preventDefault(); }
      else if (k === "ArrowDown" || k === "j") { move(1, true); e.preventDefault(); }
      else if (k === "ArrowUp" || k === "k") { move(-1, true); e.preventDefault(); }
      else if (k === "Enter" && document.activeElement && document.activeElement.classList.contains("card")) {
        location.href = document.activeElement.getAttribute("data-href");
      } else if (k >= "1" && k <= "5") {
        state.status = ["all", "built", "failed", "stale", "pending"][Number(k) - 1]; apply();
      }
    });

    window.addEventListener("hashchange", function () { fromHash(); apply(); });
    fromHash();
    apply();
  }

  // ------------------------------------------------------------------ one video
  if (page === "video") {
    var player = document.getElementById("player");
    var cues = JSON.parse((document.getElementById("cues") || {}).textContent || "[]");
    var line = document.getElementById("caption-line");

    function seek(ms) {
      if (!player) return;
      player.currentTime = ms / 1000;
      player.focus();
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-seek]"), function (el) {
      el.addEventListener("click", function () { seek(Number(el.getAttribute("data-seek"))); });
      el.addEventListener("keydown", function (e) { if (e.key === "Enter") seek(Number(el.getAttribute("data-seek"))); });
    });
    if (player && line) {
      player.addEventListener("timeupdate", function () {
        var t = player.currentTime * 1000, text = "";
        for (var i = 0; i < cues.length; i++) { if (cues[i].start <= t && t < cues[i].end) { text = cues[i].text; break; } }
        line.textContent = text;
      });
    }
    document.addEventListener("keydown", function (e) {
      if (typing(e)) return;
      if (document.activeElement === player && (e.key === "ArrowLeft" || e.key === "ArrowRight")) return;  // the player seeks
      var prev = document.body.getAttribute("data-prev"), next = document.body.getAttribute("data-next");
      if ((e.key === "ArrowRight" || e.key === "n") && next) { location.href = next; }
      else if ((e.key === "ArrowLeft" || e.key === "p") && prev) { location.href = prev; }
      else if (e.key === "Escape" || e.key === "u") { location.href = "index.html"; }
      else if (e.key === " " && player && document.activeElement !== player) {
        e.preventDefault();
        if (player.paused) player.play(); else player.pause();
      }
    });
  }
})();
