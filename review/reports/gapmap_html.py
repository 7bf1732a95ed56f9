"""The gap map as one self-contained HTML file that works offline, from a USB stick.

Reviewers hand gap maps to policy teams who open them on machines without
network access (or where it must not be used), so the file carries
everything: inline CSS, inline vanilla JavaScript, and the map's data as
JSON in a ``<script type="application/json">`` tag. A Content-Security-Policy
forbids every fetch, so a future edit that adds a CDN link fails loudly
instead of leaking that the file was opened.

**Layout.** A table: one row per row value, one column per column value,
every cell a ``<button>`` (keyboard and screen-reader reachable) holding one
SVG bubble per segment value, its *area* proportional to the number of
distinct studies (with a minimum radius so one study stays readable) and
the count written inside. Empty cells stay, marked as gaps. Colours come from
a fixed colour-blind-safe palette (Okabe-Ito, then Paul Tol's), with a legend.
Selects filter by region, population (or age group), design and year;
clicking a cell lists its studies (first author, year, title, DOI) in a side
panel.

**Safety.** Titles come from imported records and may hold anything, so the
script builds the page with ``textContent`` and attributes only (never
``innerHTML``), the Python side escapes every label, and the JSON escapes
``<``, ``>`` and ``&`` so no record can close the data tag.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from review.reports.gapmap import GapMap

#: Bubble colours: Okabe-Ito (without black), black, then Paul Tol's muted
#: colours; both sets are chosen to stay distinct with colour-vision deficiency.
PALETTE: tuple[str, ...] = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
    "#000000", "#882255", "#44AA99", "#999933", "#332288",
)  # fmt: skip
#: The colour of the "Not recorded" bubble.
NOT_RECORDED_COLOUR = "#BBBBBB"
#: A file that loads nothing: inline script and style only.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


def ink(colour: str) -> str:
    """Return black or white, whichever reads better on ``colour`` (relative luminance)."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    return "#000000" if luminance > 0.179 else "#FFFFFF"


def colours(gapmap: GapMap) -> list[str]:
    """Return one colour per segment value, in order ("" gets grey)."""
    out: list[str] = []
    for value in gapmap.segments:
        out.append(PALETTE[len(out) % len(PALETTE)] if value else NOT_RECORDED_COLOUR)
    return out


def map_data(gapmap: GapMap) -> dict[str, Any]:
    """Return what the page's script reads: axes, segments, placements, studies, filters."""
    row_at = {v: i for i, v in enumerate(gapmap.rows.values)}
    col_at = {v: i for i, v in enumerate(gapmap.cols.values)}
    seg_at = {v: i for i, v in enumerate(gapmap.segments)}
    return {
        "rows": {"name": gapmap.rows.name, "label": gapmap.rows.label,
                 "values": list(gapmap.rows.values)},
        "cols": {"name": gapmap.cols.name, "label": gapmap.cols.label,
                 "values": list(gapmap.cols.values)},
        "segment": None if gapmap.segment is None else gapmap.segment.label,
        "segments": [
            {"label": gapmap.segment_label(v), "colour": c, "ink": ink(c)}
            for v, c in zip(gapmap.segments, colours(gapmap), strict=True)
        ],
        "placements": [
            [s, row_at[r], col_at[c], seg_at[g]] for s, r, c, g in gapmap.placements()
        ],
        "studies": {
            str(s): {
                "author": c.first_author, "year": c.year, "title": c.title, "doi": c.doi,
                "f": {k: list(v) for k, v in gapmap.study_filters.get(s, {}).items()},
            }
            for s, c in gapmap.studies.items()
        },
    }  # fmt: skip


def script_json(data: Any) -> str:
    """Return JSON safe inside a ``<script>`` element: no ``</``, ``<!--`` or ``&`` left.

    ``<`` is written ``\\u003c`` (so ``</script>`` in a title is ``\\u003c/script>``,
    stricter than escaping ``</`` as ``<\\/``); the JSON still parses to the same text.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )  # fmt: skip


def _filters(gapmap: GapMap) -> str:
    out: list[str] = []
    for item in gapmap.filters:
        if not item.values:
            continue
        options = "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in item.values)
        ident = f"filter-{escape(item.name)}"
        out.append(
            f'<label for="{ident}">{escape(item.label)}</label>'
            f'<select id="{ident}" data-filter="{escape(item.name)}">'
            f'<option value="">All</option>{options}</select>'
        )
    return "".join(f'<div class="filter">{f}</div>' for f in out)


def _legend(gapmap: GapMap) -> str:
    items = "".join(
        f'<li><span class="swatch" style="background:{c}"></span>'
        f"{escape(gapmap.segment_label(v))}</li>"
        for v, c in zip(gapmap.segments, colours(gapmap), strict=True)
    )
    title = escape(gapmap.segment.label) if gapmap.segment is not None else "Bubbles"
    return (
        f'<div class="legend"><h2>{title}</h2><ul>{items}</ul>'
        "<p>Bubble area: number of distinct studies.</p></div>"
    )


def _notes(gapmap: GapMap) -> str:
    notes: list[str] = []
    if gapmap.applied:
        said = "; ".join(f"{name} = {value}" for name, value in gapmap.applied)
        notes.append(f"Only studies with {escape(said)}.")
    if gapmap.unmapped:
        notes.append(
            f"{len(gapmap.unmapped)} included studies have no agreed"
            f" {escape(gapmap.rows.label)} or {escape(gapmap.cols.label)} yet and are not shown."
        )
    return "".join(f'<p class="note">{n}</p>' for n in notes)


def render_html(gapmap: GapMap, title: str = "Evidence gap map") -> str:
    """Return the whole gap map page (one file, no external resources)."""
    heading = escape(title)
    axes = f"{escape(gapmap.rows.label)} &times; {escape(gapmap.cols.label)}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{heading}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>{heading}</h1>
<p class="axes">{axes}. <span id="shown"></span></p>
{_notes(gapmap)}
<form class="filters" id="filters" onsubmit="return false">{_filters(gapmap)}</form>
{_legend(gapmap)}
</header>
<main>
<div class="grid-wrap"><table id="gapmap" class="gapmap"></table></div>
<aside id="panel" aria-live="polite">
<h2 id="panel-title">Studies</h2>
<div id="panel-body"><p>Choose a cell to list its studies.</p></div>
</aside>
</main>
<script type="application/json" id="gapmap-data">{script_json(map_data(gapmap))}</script>
<script>{_JS}</script>
</body>
</html>
"""


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1rem;color:#222}
h1{font-size:1.3rem;margin:0 0 .3rem}h2{font-size:1rem;margin:.2rem 0}
.axes,.note{margin:.2rem 0;color:#444}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;margin:.5rem 0}
.filter label{display:block;font-size:.8rem;color:#555}.filter select{max-width:16rem}
.legend ul{display:flex;flex-wrap:wrap;gap:.2rem 1rem;list-style:none;padding:0;margin:.2rem 0}
.legend li{font-size:.85rem}.legend p{font-size:.8rem;color:#555;margin:0}
.swatch{display:inline-block;width:.9rem;height:.9rem;border-radius:50%;margin-right:.3rem;
vertical-align:middle;border:1px solid #666}
main{display:flex;gap:1rem;align-items:flex-start;margin-top:.5rem}
.grid-wrap{overflow:auto;flex:1 1 auto}
table.gapmap{border-collapse:collapse}
.gapmap th{font-size:.8rem;font-weight:600;padding:.3rem;text-align:left;vertical-align:bottom;
max-width:9rem}
.gapmap th[scope=row]{vertical-align:middle;max-width:14rem}
.gapmap td{border:1px solid #ccc;padding:0;min-width:5rem;height:1px}
button.cell{display:flex;flex-wrap:wrap;align-items:center;justify-content:center;gap:2px;
width:100%;height:100%;min-height:3rem;border:0;background:#fff;cursor:pointer;padding:2px;font:inherit}
button.cell.gap{color:#999;
background:repeating-linear-gradient(45deg,#fafafa,#fafafa 4px,#f0f0f0 4px,#f0f0f0 8px)}
button.cell:hover{background:#eef5fb}
button.cell:focus-visible{outline:3px solid #0072B2;outline-offset:-3px}
button.cell[aria-pressed=true]{box-shadow:inset 0 0 0 3px #0072B2}
aside{flex:0 0 22rem;border-left:1px solid #ddd;padding-left:1rem}
aside ol{padding-left:1.2rem}aside li{margin-bottom:.5rem;font-size:.9rem}
.seg{color:#555;font-size:.8rem}
"""

_JS = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("gapmap-data").textContent);
  var table = document.getElementById("gapmap");
  var panelTitle = document.getElementById("panel-title");
  var panelBody = document.getElementById("panel-body");
  var shown = document.getElementById("shown");
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  var SVG = "http://www.w3.org/2000/svg";
  var RMAX = 18, RMIN = 8;
  var current = null;

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }
  function visible(id) {
    var study = data.studies[String(id)];
    return selects.every(function (s) {
      if (!s.value) { return true; }
      var have = study.f[s.getAttribute("data-filter")] || [];
      return have.indexOf(s.value) >= 0;
    });
  }
  function compute() {
    var cells = {}, all = {};
    data.placements.forEach(function (p) {
      if (!visible(p[0])) { return; }
      var key = p[1] + "," + p[2];
      var cell = cells[key] || (cells[key] = {});
      var bubble = cell[p[3]] || (cell[p[3]] = {});
      bubble[p[0]] = true;
      all[p[0]] = true;
    });
    return {cells: cells, studies: Object.keys(all).length};
  }
  function size(set) { return Object.keys(set).length; }
  function bubble(n, max, seg) {
    var r = Math.max(RMIN, RMAX * Math.sqrt(n / max));
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", 2 * RMAX + 2);
    svg.setAttribute("height", 2 * RMAX + 2);
    svg.setAttribute("class", "bubble");
    svg.setAttribute("aria-hidden", "true");
    var title = document.createElementNS(SVG, "title");
    title.textContent = seg.label + ": " + n;
    var circle = document.createElementNS(SVG, "circle");
    circle.setAttribute("cx", RMAX + 1); circle.setAttribute("cy", RMAX + 1);
    circle.setAttribute("r", r.toFixed(2)); circle.setAttribute("fill", seg.colour);
    circle.setAttribute("stroke", "#333"); circle.setAttribute("stroke-width", "0.5");
    var text = document.createElementNS(SVG, "text");
    text.setAttribute("x", RMAX + 1); text.setAttribute("y", RMAX + 1);
    text.setAttribute("text-anchor", "middle"); text.setAttribute("dominant-baseline", "central");
    text.setAttribute("font-size", "11"); text.setAttribute("fill", seg.ink);
    text.textContent = String(n);
    svg.appendChild(title); svg.appendChild(circle); svg.appendChild(text);
    return svg;
  }
  function citation(id, segs) {
    var s = data.studies[String(id)];
    var li = el("li");
    var who = (s.author || "Unknown author") + (s.year ? " (" + s.year + ")" : "") + ". ";
    li.appendChild(document.createTextNode(who));
    li.appendChild(el("cite", s.title || "Untitled"));
    if (s.doi) {
      li.appendChild(document.createTextNode(". DOI: "));
      var href = "https://doi.org/" + encodeURI(s.doi);
      li.appendChild(el("a", s.doi, {href: href, rel: "noopener"}));
    }
    if (data.segment) { li.appendChild(el("div", segs.join("; "), {"class": "seg"})); }
    return li;
  }
  function show(r, c, cell, button) {
    Array.prototype.forEach.call(table.querySelectorAll("button[aria-pressed=true]"),
      function (b) { b.setAttribute("aria-pressed", "false"); });
    if (button) { button.setAttribute("aria-pressed", "true"); }
    current = [r, c];
    panelTitle.textContent = data.rows.values[r] + " \u00d7 " + data.cols.values[c];
    panelBody.textContent = "";
    var segsOf = {};
    Object.keys(cell || {}).sort(function (a, b) { return a - b; }).forEach(function (si) {
      Object.keys(cell[si]).forEach(function (id) {
        (segsOf[id] || (segsOf[id] = [])).push(data.segments[si].label);
      });
    });
    var ids = Object.keys(segsOf).sort(function (a, b) { return a - b; });
    if (!ids.length) {
      panelBody.appendChild(el("p", "No studies: an evidence gap."));
      return;
    }
    panelBody.appendChild(el("p", ids.length + (ids.length === 1 ? " study" : " studies")));
    var list = el("ol", null, {"class": "studies"});
    ids.forEach(function (id) { list.appendChild(citation(id, segsOf[id])); });
    panelBody.appendChild(list);
  }
  function render() {
    var found = compute(), cells = found.cells, max = 1;
    Object.keys(cells).forEach(function (k) {
      Object.keys(cells[k]).forEach(function (s) { max = Math.max(max, size(cells[k][s])); });
    });
    shown.textContent = found.studies + (found.studies === 1 ? " study" : " studies") + " shown.";
    table.textContent = "";
    var head = el("tr");
    head.appendChild(el("th", data.rows.label + " \\ " + data.cols.label, {scope: "col"}));
    data.cols.values.forEach(function (c) { head.appendChild(el("th", c, {scope: "col"})); });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var body = el("tbody");
    data.rows.values.forEach(function (rv, r) {
      var tr = el("tr");
      tr.appendChild(el("th", rv, {scope: "row"}));
      data.cols.values.forEach(function (cv, c) {
        var cell = cells[r + "," + c] || {};
        var td = el("td");
        var button = el("button", null, {type: "button", "class": "cell", "aria-pressed": "false",
          "data-row": String(r), "data-col": String(c)});
        var parts = [];
        data.segments.forEach(function (seg, si) {
          var n = cell[si] ? size(cell[si]) : 0;
          if (n) { button.appendChild(bubble(n, max, seg)); parts.push(seg.label + " " + n); }
        });
        var total = {};
        Object.keys(cell).forEach(function (si) {
          Object.keys(cell[si]).forEach(function (id) { total[id] = true; });
        });
        var n = size(total);
        if (!n) { button.className = "cell gap"; button.appendChild(el("span", "\u2013")); }
        var said = n + (n === 1 ? " study" : " studies");
        if (n && data.segment) { said += " (" + parts.join(", ") + ")"; }
        button.setAttribute("aria-label", rv + " \u00d7 " + cv + ": " +
          (n ? said : "no studies (gap)"));
        button.addEventListener("click", function () { show(r, c, cell, button); });
        td.appendChild(button); tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
    if (current) {
      var again = table.querySelector(
        'button[data-row="' + current[0] + '"][data-col="' + current[1] + '"]');
      show(current[0], current[1], cells[current[0] + "," + current[1]] || {}, again);
    }
  }
  selects.forEach(function (s) { s.addEventListener("change", render); });
  render();
}());
"""
