import type { ReportData } from './report-data.js';

/**
 * `--report FILE`: one self-contained HTML page — styles, data and script inline, no fonts, images or requests — so it
 * can be mailed, attached to a CI run or opened offline. Its Content-Security-Policy forbids every network load, so a
 * page that tried one would fail visibly (the browser test checks the console stays silent).
 */

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON inside <script>: `<` escaped so no `</script>` (or `<!--`) in an image name or reason can end the block. */
function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}.muted{color:#59636e}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #d1d9e0;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right}code{font:12px ui-monospace,monospace}
.legend span{display:inline-block;margin-right:16px}.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
.c-ready{fill:#1a7f37;background:#1a7f37}.c-blocked{fill:#8c959f;background:#8c959f}.c-at-risk{fill:#d4a72c;background:#d4a72c}
.c-broken{fill:#cf222e;background:#cf222e}.c-unknown{fill:#8250df;background:#8250df}
.filters{display:flex;gap:8px;margin:8px 0}.filters select,.filters input{font:inherit;padding:2px 4px}
.s-broken{color:#cf222e;font-weight:600}.s-at-risk{color:#9a6700;font-weight:600}.s-unknown{color:#8250df}
`;

/** The page's script: draws the chart and the table from the embedded data; filters from the form or the URL's #hash. */
const SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var cats = ['ready', 'blocked', 'at-risk', 'broken', 'unknown'];
  var svgNs = 'http://www.w3.org/2000/svg';
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(svgNs, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  // Totals per category, in the legend.
  var totals = {};
  cats.forEach(function (c) { totals[c] = 0; });
  data.groups.forEach(function (g) { cats.forEach(function (c) { totals[c] += g.counts[c]; }); });
  var legend = document.getElementById('legend');
  cats.forEach(function (c) {
    var s = el('span', { 'data-total': c });
    s.appendChild(el('i', { 'class': 'sw c-' + c }));
    s.appendChild(document.createTextNode(c + ': ' + totals[c]));
    legend.appendChild(s);
  });
  // One stacked bar per group, widths proportional to the largest group.
  var max = Math.max.apply(null, data.groups.map(function (g) { return cats.reduce(function (s, c) { return s + g.counts[c]; }, 0); }).concat([1]));
  var labelW = 200, barW = 560, rowH = 22;
  var chart = svg('svg', { width: labelW + barW + 60, height: Math.max(1, data.groups.length) * rowH + 4, role: 'img', 'aria-label': 'workloads per ' + data.groupBy + ' by readiness' });
  data.groups.forEach(function (g, i) {
    var y = i * rowH + 2, x = labelW, total = 0;
    var label = svg('text', { x: 0, y: y + 14, 'font-size': 12 });
    label.textContent = g.name;
    chart.appendChild(label);
    cats.forEach(function (c) {
      var n = g.counts[c];
      total += n;
      if (n === 0) return;
      var w = (n / max) * barW;
      var r = svg('rect', { x: x, y: y, width: w, height: rowH - 6, 'class': 'c-' + c, 'data-group': g.name, 'data-category': c, 'data-count': n });
      var t = svg('title', {});
      t.textContent = g.name + ': ' + n + ' ' + c;
      r.appendChild(t);
      chart.appendChild(r);
      x += w;
    });
    var sum = svg('text', { x: x + 6, y: y + 14, 'font-size': 12 });
    sum.textContent = String(total);
    chart.appendChild(sum);
  });
  document.getElementById('chart').appendChild(chart);
  // Blocking images.
  var ib = document.getElementById('images-body');
  data.blockingImages.forEach(function (b, i) {
    var tr = el('tr');
    tr.appendChild(el('td', { 'class': 'n' }, String(i + 1)));
    var td = el('td'); td.appendChild(el('code', {}, b.image)); tr.appendChild(td);
    tr.appendChild(el('td', { 'class': 'n' }, String(b.workloads)));
    if (data.groupBy === 'cluster') tr.appendChild(el('td', {}, b.where));
    ib.appendChild(tr);
  });
  // The full table, and its filters.
  var body = document.getElementById('rows');
  var trs = data.rows.map(function (r) {
    var tr = el('tr', { 'data-category': r.category, 'data-group': r.group });
    tr.appendChild(el('td', {}, r.group));
    if (data.groupBy === 'cluster') tr.appendChild(el('td', {}, r.namespace));
    var w = el('td'); w.appendChild(el('code', {}, r.workload)); tr.appendChild(w);
    tr.appendChild(el('td', { 'class': 's-' + r.status }, r.status));
    tr.appendChild(el('td', {}, r.archs));
    tr.appendChild(el('td', {}, r.target));
    tr.appendChild(el('td', {}, r.reason));
    tr.searchText = (r.group + ' ' + r.namespace + ' ' + r.workload + ' ' + r.reason).toLowerCase();
    body.appendChild(tr);
    return tr;
  });
  var fc = document.getElementById('f-category'), fg = document.getElementById('f-group'), fq = document.getElementById('f-text');
  cats.forEach(function (c) { fc.appendChild(el('option', { value: c }, c)); });
  data.groups.forEach(function (g) { fg.appendChild(el('option', { value: g.name }, g.name)); });
  var shown = document.getElementById('shown');
  function apply() {
    var n = 0, q = fq.value.trim().toLowerCase();
    trs.forEach(function (tr) {
      var ok = (!fc.value || tr.getAttribute('data-category') === fc.value) && (!fg.value || tr.getAttribute('data-group') === fg.value) && (!q || tr.searchText.indexOf(q) >= 0);
      tr.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n + ' of ' + trs.length;
  }
  // #category=broken&group=prod&q=nginx opens the page filtered (links from CI, bookmarks).
  location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
    var p = kv.split('='), v = decodeURIComponent(p[1] || '');
    if (p[0] === 'category') fc.value = v;
    if (p[0] === 'group') fg.value = v;
    if (p[0] === 'q') fq.value = v;
  });
  [fc, fg].forEach(function (s) { s.addEventListener('change', apply); });
  fq.addEventListener('input', apply);
  apply();
})();
`;

function summaryHtml(d: ReportData): string {
  const total = d.rows.length;
  // As the audit's summary counts it: every image has a build for the target arch (whatever the status today).
  const ready = d.rows.filter((r) => r.target === 'ready').length;
  const pct = total === 0 ? 0 : Math.round((ready / total) * 1000) / 10;
  return `<p id="summary"><strong>${ready} of ${total} workloads (${pct}%) have every image built for ${escapeHtml(d.targetArch)}</strong> across ${d.groups.length} ${d.groupBy === 'cluster' ? 'cluster' : 'namespace'}${d.groups.length === 1 ? '' : 's'}.</p>`;
}

/** The page: summary and chart, blocking images, savings (when given), the full table with filters, notes. */
export function renderHtmlReport(d: ReportData, savingsHtml = ''): string {
  const groupHeader = d.groupBy === 'cluster' ? '<th>cluster</th><th>namespace</th>' : '<th>namespace</th>';
  const notes = d.notes.length > 0 ? `<h2>Notes</h2><ul id="notes">${d.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(d.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(d.title)}</h1>
<div class="muted">kubectl archcheck, ${escapeHtml(d.generatedAt)}; target arch ${escapeHtml(d.targetArch)}</div>
${summaryHtml(d)}
<h2>Workloads per ${d.groupBy} by ${escapeHtml(d.targetArch)} readiness</h2>
<div class="legend" id="legend"></div>
<div id="chart"></div>
<p class="muted">ready: every image has a ${escapeHtml(d.targetArch)} build and nothing is wrong today; blocked: fine today, but an image has no ${escapeHtml(d.targetArch)} build; at-risk, broken, unknown: the audit's statuses.</p>
<h2>Images blocking ${escapeHtml(d.targetArch)}, by workloads blocked</h2>
<table><thead><tr><th>#</th><th>image</th><th>workloads</th>${d.groupBy === 'cluster' ? '<th>clusters</th>' : ''}</tr></thead><tbody id="images-body"></tbody></table>
${savingsHtml}
<h2>All workloads</h2>
<div class="filters"><select id="f-category" aria-label="readiness"><option value="">every readiness</option></select>
<select id="f-group" aria-label="${d.groupBy}"><option value="">every ${d.groupBy}</option></select>
<input id="f-text" type="search" placeholder="filter by name or reason" aria-label="text filter"> <span class="muted">showing <span id="shown"></span></span></div>
<table><thead><tr>${groupHeader}<th>workload</th><th>status</th><th>archs</th><th>${escapeHtml(d.targetArch)}</th><th>reason</th></tr></thead><tbody id="rows"></tbody></table>
${notes}
<script type="application/json" id="report-data">${embedJson(d)}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
