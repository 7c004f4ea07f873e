(function () {
  "use strict";
  // The page is complete without this script: it only shows the toolbar, hides and shows rows
  // and findings, and folds sections. It reads text from the page and never writes markup.
  var tools = document.getElementById("tools");
  if (!tools) return;
  tools.hidden = false;
  var q = document.getElementById("q");
  var hits = document.getElementById("hits");
  var boxes = [].slice.call(document.querySelectorAll("#prios input"));
  var items = [].slice.call(document.querySelectorAll("table.f tbody tr, article.card"));
  var groups = [].slice.call(document.querySelectorAll("details.rule"));
  var texts = null, groupTexts = null;

  function lower(e) { return (e ? e.textContent : "").toLowerCase(); }

  function apply() {
    var s = q.value.trim().toLowerCase();
    var off = {};
    boxes.forEach(function (b) { if (!b.checked) off[b.value] = true; });
    if (s && !texts) {
      texts = items.map(lower);
      groupTexts = groups.map(function (g) {
        return lower(g.querySelector("summary")) + " " + lower(g.querySelector(".rulemeta"));
      });
    }
    var n = 0;
    items.forEach(function (e, i) {
      var hide = !!off[e.getAttribute("data-p")] || (s !== "" && texts[i].indexOf(s) < 0);
      e.hidden = hide;
      if (!hide) n++;
    });
    groups.forEach(function (g, i) {
      var hide = !!off[g.getAttribute("data-p")];
      if (!hide && s !== "") {
        hide = !g.querySelector("article.card:not([hidden])") && groupTexts[i].indexOf(s) < 0;
      }
      g.hidden = hide;
    });
    hits.textContent = (s !== "" || Object.keys(off).length) ? n + " of " + items.length + " rows and findings shown" : "";
  }

  var timer = 0;
  q.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(apply, 120);
  });
  q.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { q.value = ""; apply(); }
  });
  boxes.forEach(function (b) { b.addEventListener("change", apply); });

  function fold(open) {
    [].forEach.call(document.querySelectorAll("details"), function (d) { d.open = open; });
  }
  document.getElementById("open-all").addEventListener("click", function () { fold(true); });
  document.getElementById("close-all").addEventListener("click", function () { fold(false); });
  window.addEventListener("beforeprint", function () { fold(true); });

  // Following a link to a finding opens the rule it sits in.
  function reveal() {
    var id = location.hash.slice(1);
    try { id = decodeURIComponent(id); } catch (err) { return; }
    var e = id && document.getElementById(id);
    for (; e; e = e.parentElement) {
      if (e.tagName === "DETAILS") e.open = true;
      if (e.hidden) e.hidden = false;
    }
  }
  window.addEventListener("hashchange", reveal);
  reveal();
})();
