// The flamegraph's stylesheet and script (zoom, search, tooltips), written for cspy.
//
// The script's contract with flamegraph.cpp: <svg> carries data-total (samples),
// data-xpad, data-fs (font size) and data-inverted ("1" for an icicle graph); every child
// <g> of #frames is one frame: data-x (start, in samples) and data-s (samples), then
// <title> (first line: the label; further lines: details), <rect>, and <text> if the
// label fits. URL parameters: ?s=REGEX searches, ?x=..&y=.. zooms to the frame there.
#include "flamegraph_script.h"

namespace cspy::output {

namespace {

constexpr std::string_view kStyle = R"CSS(
text{font-family:Verdana,"DejaVu Sans",sans-serif;font-size:12px;fill:#000}
#title{font-size:17px;text-anchor:middle}
#subtitle{text-anchor:middle;fill:#444}
#search,#matched{text-anchor:end}
#search,#reset{cursor:pointer;fill:#1a4480}
#search:hover,#reset:hover{text-decoration:underline}
#frames g{cursor:pointer}
#frames rect{rx:2px;ry:2px}
#frames g:hover rect{stroke:#000;stroke-width:.5px}
.hide{display:none}
.p{opacity:.5}
)CSS";

constexpr std::string_view kScript = R"JS(
"use strict";
function cspyFlamegraph() {
  var NS = "http://www.w3.org/2000/svg";
  var box = document.getElementById("frames");
  var svg = box.ownerSVGElement;
  var total = +svg.getAttribute("data-total");
  var xpad = +svg.getAttribute("data-xpad");
  var fontSize = +svg.getAttribute("data-fs");
  var inverted = svg.getAttribute("data-inverted") === "1";
  var width = +svg.getAttribute("width") - 2 * xpad;
  var charWidth = fontSize * 0.59;
  var details = document.getElementById("details");
  var matched = document.getElementById("matched");
  var resetButton = document.getElementById("reset");
  var searchButton = document.getElementById("search");
  var frames = [];
  var byElement = new Map();
  var zoomed = null;
  var searchTerm = "";

  for (var g = box.firstElementChild; g; g = g.nextElementSibling) {
    var lines = g.getElementsByTagName("title")[0].textContent.split("\n");
    var rect = g.getElementsByTagName("rect")[0];
    var f = {
      g: g, rect: rect, text: g.getElementsByTagName("text")[0] || null,
      name: lines[0], info: lines.slice(1).join(" \u00b7 "),
      x: +g.getAttribute("data-x"), s: +g.getAttribute("data-s"),
      y: +rect.getAttribute("y"), fill: rect.getAttribute("fill")
    };
    frames.push(f);
    byElement.set(g, f);
  }

  // Is frame a nearer the root than frame b?
  function rootward(a, b) { return inverted ? a.y < b.y : a.y > b.y; }

  function frameOf(node) {
    while (node && node.parentNode !== box) node = node.parentNode;
    return node ? byElement.get(node) : undefined;
  }

  function setLabel(f, x, w) {
    var n = Math.floor((w - 3) / charWidth);
    var label = "";
    if (n >= 3) {
      var chars = Array.from(f.name);
      label = chars.length <= n ? f.name : chars.slice(0, n - 2).join("") + "..";
    }
    if (!f.text) {
      if (!label) return;
      f.text = document.createElementNS(NS, "text");
      f.text.setAttribute("y", String(f.y + fontSize - 1));
      f.g.appendChild(f.text);
    }
    f.text.setAttribute("x", (x + 3).toFixed(2));
    f.text.textContent = label;
  }

  function place(f, x, w, faded) {
    f.g.classList.remove("hide");
    f.g.classList.toggle("p", faded);
    f.rect.setAttribute("x", x.toFixed(2));
    f.rect.setAttribute("width", w.toFixed(2));
    setLabel(f, x, w);
  }

  function zoom(z) {
    if (!z) return;
    zoomed = z;
    var scale = width / z.s, end = z.x + z.s;
    frames.forEach(function (f) {
      if (f !== z && f.x <= z.x && f.x + f.s >= end && rootward(f, z)) {
        place(f, xpad, width, true);
      } else if (f.x >= z.x && f.x + f.s <= end && (f === z || !rootward(f, z))) {
        place(f, xpad + (f.x - z.x) * scale, f.s * scale, false);
      } else {
        f.g.classList.add("hide");
      }
    });
    resetButton.classList.toggle("hide", z === frames[0]);
    saveState();
  }

  function resetZoom() { zoom(frames[0]); }

  function search(term) {
    var re = null;
    if (term) {
      try { re = new RegExp(term); } catch (err) { alert("Invalid regular expression: " + err.message); return; }
    }
    searchTerm = re ? term : "";
    var hits = [];
    frames.forEach(function (f) {
      var hit = re !== null && re.test(f.name);
      f.rect.setAttribute("fill", hit ? "#e600e6" : f.fill);
      if (hit) hits.push(f);
    });
    // Count each sample once: matches nested in an earlier match are skipped.
    hits.sort(function (a, b) { return a.x - b.x || b.s - a.s; });
    var sum = 0, end = -1;
    hits.forEach(function (f) {
      if (f.x >= end) { sum += f.s; end = f.x + f.s; }
    });
    matched.textContent = re && total > 0 ? "Matched: " + (100 * sum / total).toFixed(1) + "%" : "";
    searchButton.textContent = re ? "Reset Search" : "Search";
    saveState();
  }

  function askSearch() {
    var term = prompt("Search for a function (regular expression):", searchTerm);
    if (term !== null) search(term);
  }

  function saveState() {
    if (!window.history || !history.replaceState) return;
    try {
      var p = new URLSearchParams();
      if (zoomed && zoomed !== frames[0]) {
        p.set("x", String(xpad + (zoomed.x + zoomed.s / 2) * width / total));
        p.set("y", String(zoomed.y + 1));
      }
      if (searchTerm) p.set("s", searchTerm);
      var q = p.toString();
      history.replaceState(null, "", (q ? "?" + q : location.pathname) + location.hash);
    } catch (err) { /* file: URLs may refuse; the state is only a convenience */ }
  }

  function frameAt(px, py) {
    var sample = (px - xpad) * total / width;
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i];
      if (py >= f.y && py < f.y + fontSize + 4 && sample >= f.x && sample < f.x + f.s) return f;
    }
    return undefined;
  }

  box.addEventListener("click", function (e) {
    var f = frameOf(e.target);
    if (f) zoom(f);
  });
  box.addEventListener("mouseover", function (e) {
    var f = frameOf(e.target);
    if (f) details.textContent = f.name + (f.info ? " \u00b7 " + f.info : "");
  });
  box.addEventListener("mouseout", function () { details.textContent = " "; });
  resetButton.addEventListener("click", resetZoom);
  searchButton.addEventListener("click", function () {
    if (searchTerm) search(""); else askSearch();
  });
  window.addEventListener("keydown", function (e) {
    if (e.key === "F3" || ((e.ctrlKey || e.metaKey) && (e.key === "f" || e.key === "F"))) {
      e.preventDefault();
      askSearch();
    } else if (e.key === "Escape") {
      resetZoom();
      search("");
    }
  });

  var params = new URLSearchParams(location.search);
  if (params.get("x") !== null && params.get("y") !== null) {
    zoom(frameAt(+params.get("x"), +params.get("y")));
  }
  if (params.get("s")) search(params.get("s"));
}
// The script comes before the frames in the file: start once they are parsed.
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", cspyFlamegraph);
} else {
  cspyFlamegraph();
}
)JS";

static_assert(kStyle.find("]]>") == std::string_view::npos, "would end the CDATA section");
static_assert(kScript.find("]]>") == std::string_view::npos, "would end the CDATA section");

}  // namespace

const std::string_view kFlamegraphStyle = kStyle;
const std::string_view kFlamegraphScript = kScript;

}  // namespace cspy::output
