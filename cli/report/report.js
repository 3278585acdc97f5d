// The HTML report's script (compiled in: cli/report/assets.cmake).
//
// Decodes the summary block (gzip + base64, the browser's DecompressionStream),
// builds the region tree and draws the explorer for the region, year and
// metric in the URL fragment (#r=<region key>&y=<year|all>&m=<metric id>&d=<doc
// id>&q=<search>). Per-document detail is decoded from its chunk only when a
// document is opened. Figures are the aggregator's rollups as `reportflow
// aggregates` prints them; the script never adds up a rate (mean, median,
// min, max are shown as the rollup holds them) and never adds rollups of
// different years.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  (window.__rfPendingErrors || []).forEach(function (m) { window.__rfRecordError(m); });

  // ---- small helpers -------------------------------------------------------
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, parent, text) {
    var e = document.createElement(tag);
    for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function svg(tag, attrs, parent, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function fmt(v) {
    if (v === null || v === undefined) return '—';
    if (Math.abs(v) >= 1e9) return v.toExponential(2);
    if (v === Math.round(v)) return v.toLocaleString('en');
    return (Math.round(v * 100) / 100).toLocaleString('en');
  }
  function pct(v) { return v === null || v === undefined ? '—' : Math.round(v * 100) + '%'; }
  // Approximate rendered width of a label at 12px (CJK glyphs are square).
  function textWidth(text) {
    var w = 0;
    for (var i = 0; i < text.length; i++) w += text.charCodeAt(i) > 0x2e80 ? 12.5 : 7;
    return w;
  }
  // A round tick step for a range: 1, 2 or 5 × 10^k.
  function niceStep(range) {
    var p = Math.pow(10, Math.floor(Math.log10(range)));
    var f = range / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }

  function decodeText(id) {
    var block = $(id);
    if (!block) return Promise.reject(new Error('data block ' + id + ' is missing'));
    if (typeof DecompressionStream === 'undefined') {
      return Promise.reject(new Error('this browser cannot decompress the report data (DecompressionStream)'));
    }
    var bin = atob(block.textContent.trim());
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).text();
  }
  function decode(id) { return decodeText(id).then(JSON.parse); }

  // Sections sent compressed (placeholders div[data-section-block]) are put in
  // place from their block; then their controls are bound.
  function insertSections() {
    var slots = Array.prototype.slice.call(document.querySelectorAll('[data-section-block]'));
    return Promise.all(slots.map(function (slot) {
      return decodeText(slot.getAttribute('data-section-block')).then(function (html) { slot.innerHTML = html; });
    })).then(bindFindingFilters);
  }
  // The fragment's keys, decoded (#a=1&b=2).
  function hashParams() {
    var out = {};
    location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
      var at = kv.indexOf('=');
      if (at > 0) out[kv.slice(0, at)] = decodeURIComponent(kv.slice(at + 1));
    });
    return out;
  }
  // The audit findings table (cli/report_audit.cc): filter by kind and text
  // (region, document, code, message); the count shown is in
  // span#finding-shown[data-shown]. A filtered view can be linked to:
  // #fk=<kind>&fq=<text>.
  function bindFindingFilters() {
    var kind = $('finding-kind'), q = $('finding-search'), shown = $('finding-shown');
    if (!kind || !q) return;
    function apply() {
      var k = kind.value, t = simplify(q.value.trim()), n = 0;
      document.querySelectorAll('#audit-findings tr.finding').forEach(function (tr) {
        var show = (!k || tr.dataset.kind === k) && (!t || simplify(tr.textContent).indexOf(t) >= 0);
        tr.classList.toggle('hidden', !show);
        if (show) n++;
      });
      if (shown) {
        shown.textContent = n + ' shown';
        shown.setAttribute('data-shown', String(n));
      }
    }
    kind.addEventListener('change', apply);
    q.addEventListener('input', apply);
    var h = hashParams();
    if (h.fk) kind.value = h.fk;
    if (h.fq) q.value = h.fq;
    apply();
  }
  // Traditional forms of characters common in place names, so a search typed
  // in either script finds the region (names are stored simplified; forms
  // written in the documents are searched too).
  var TRAD = { '縣': '县', '鄉': '乡', '鎮': '镇', '區': '区', '辦': '办', '處': '处', '東': '东', '灣': '湾',
               '陽': '阳', '龍': '龙', '華': '华', '興': '兴', '門': '门', '長': '长', '豐': '丰', '雲': '云',
               '嶺': '岭', '溝': '沟', '莊': '庄', '橋': '桥', '灘': '滩', '關': '关', '壩': '坝', '寧': '宁',
               '廣': '广', '漢': '汉', '陳': '陈', '劉': '刘', '張': '张', '馬': '马', '楊': '杨', '黃': '黄',
               '鳳': '凤', '嶽': '岳', '臺': '台', '澤': '泽', '場': '场' };
  function simplify(text) {
    var out = '';
    for (var i = 0; i < text.length; i++) out += TRAD[text[i]] || text[i];
    return out.toLowerCase();
  }

  // ---- the model -----------------------------------------------------------
  var S, nodes, byKey = {}, root, col = {}, dcol = {}, years = [], chunks = {}, metricById = {};
  var LEVEL_ZH = ['省', '市', '县', '乡镇'];

  function prepare(summary) {
    S = summary;
    S.rollup_columns.forEach(function (c, i) { col[c] = i; });
    S.doc_columns.forEach(function (c, i) { dcol[c] = i; });
    S.metrics.forEach(function (m) { metricById[m.id] = m; });
    root = { k: '', n: 'All regions', l: -1, children: [], rows: [], docs: [], y: {} };
    nodes = S.nodes.map(function (n, i) {
      n.i = i; n.children = []; n.docs = []; n.rows = S.rollups[String(i)] || [];
      n.total = 0;
      for (var y in n.y) n.total += n.y[y];
      byKey[n.k] = n;
      return n;
    });
    var seenYears = {};
    nodes.forEach(function (n) {
      (n.p >= 0 ? nodes[n.p] : root).children.push(n);
      n.parent = n.p >= 0 ? nodes[n.p] : root;
      for (var y in n.y) seenYears[y] = true;
    });
    S.docs.forEach(function (d, i) { if (d[dcol.node] >= 0) nodes[d[dcol.node]].docs.push(i); });
    years = Object.keys(seenYears).sort(function (a, b) { return b - a; });
    var byName = function (a, b) { return (a.c || '~').localeCompare(b.c || '~') || a.n.localeCompare(b.n, 'zh'); };
    root.children.sort(byName);
    nodes.forEach(function (n) { n.children.sort(byName); });
  }
  function docsIn(n, year) {  // documents of the region per the aggregator's region counts
    if (year === 'all') return n === root ? root.children.reduce(function (s, c) { return s + c.total; }, 0) : n.total;
    if (n === root) return root.children.reduce(function (s, c) { return s + (c.y[year] || 0); }, 0);
    return n.y[year] || 0;
  }
  function pathOf(n) { var p = []; for (var x = n; x && x !== root; x = x.parent) p.unshift(x); return p; }
  function subtreeDocs(n, year) {
    var out = [], stack = [n];
    while (stack.length) {
      var x = stack.pop();
      x.docs.forEach(function (i) {
        var y = S.docs[i][dcol.year];
        if (year === 'all' || String(y === null ? 0 : y) === year) out.push(i);
      });
      for (var c = 0; c < x.children.length; c++) stack.push(x.children[c]);
    }
    return out;
  }
  // The rollup rows of `n` for one year and metric (one per reporting level and unit).
  function rowsOf(n, year, metric) {
    return n.rows.filter(function (r) {
      return (year === 'all' || String(r[col.year] === null ? 0 : r[col.year]) === year) &&
             (metric === undefined || r[col.metric] === metric);
    });
  }
  // The row a chart shows for a region: township-level reports first, then the unit most rows use.
  function chartRow(n, year, metric, unit) {
    var rows = rowsOf(n, year, metric).filter(function (r) { return r[col.unit] === unit; });
    rows.sort(function (a, b) { return (a[col.reports] === 'township' ? 0 : 1) - (b[col.reports] === 'township' ? 0 : 1); });
    return rows[0];
  }
  function metricName(m) { var x = S.metrics[m]; return x.zh || x.en || x.id; }

  // ---- state in the URL fragment -------------------------------------------
  var state = { r: '', y: '', m: '', d: '', q: '' };
  function readHash() {
    var h = location.hash.replace(/^#/, '');
    if (h.indexOf('=') < 0) return false;  // a plain anchor (#totals, #m-<doc>-<i>)
    var next = { r: '', y: '', m: '', d: '', q: '' };
    h.split('&').forEach(function (kv) {
      var at = kv.indexOf('=');
      if (at > 0) next[kv.slice(0, at)] = decodeURIComponent(kv.slice(at + 1));
    });
    state = next;
    return true;
  }
  function go(change) {
    var next = {};
    for (var k in state) next[k] = state[k];
    for (var c in change) next[c] = change[c];
    var parts = [];
    ['r', 'y', 'm', 'd', 'q'].forEach(function (k) { if (next[k]) parts.push(k + '=' + encodeURIComponent(next[k])); });
    location.hash = parts.join('&');
  }
  function link(change, text, parent, attrs) {
    var a = el('a', attrs || {}, parent, text);
    a.href = '#';
    a.addEventListener('click', function (e) { e.preventDefault(); go(change); });
    return a;
  }
  function normalize() {
    if (state.d && !state.r) {
      for (var i = 0; i < S.docs.length; i++) {
        if (S.docs[i][dcol.id] === state.d && S.docs[i][dcol.node] >= 0) state.r = nodes[S.docs[i][dcol.node]].k;
      }
    }
    if (!byKey[state.r]) state.r = root.children.length === 1 ? root.children[0].k : '';
    if (state.y !== 'all' && years.indexOf(state.y) < 0) state.y = years.length ? years[0] : 'all';
    var m = -1;
    S.metrics.forEach(function (x, i) { if (x.id === state.m) m = i; });
    state.mi = m >= 0 ? m : defaultMetric();
  }
  function defaultMetric() {
    for (var i = 0; i < S.metrics.length; i++) if (S.metrics[i].id !== 'unclassified' && S.metrics[i].id) return i;
    return 0;
  }

  // ---- controls and tree ---------------------------------------------------
  function controls() {
    var ys = $('year');
    clear(ys);
    el('option', { value: 'all' }, ys, 'all years');
    years.forEach(function (y) { el('option', { value: y }, ys, y === '0' ? 'year unknown' : y); });
    ys.addEventListener('change', function () { go({ y: ys.value }); });
    var ms = $('metric');
    clear(ms);
    S.metrics.forEach(function (m, i) {
      el('option', { value: m.id }, ms, (m.zh || m.en || m.id) + ' · ' + m.id + ' (' + m.kind + ')');
    });
    ms.addEventListener('change', function () { go({ m: ms.value }); });
    var q = $('search');
    q.addEventListener('input', function () { state.q = q.value; search(); });
  }
  var treeItems = {};
  function buildTree() {
    var top = clear($('tree'));
    function add(n, parent) {
      var li = el('li', { 'data-key': n.k, 'data-level': S.levels[n.l], 'data-code': n.c, 'data-documents': n.total }, parent);
      var t = el('span', { 'class': 'toggle' }, li, n.children.length ? '▸' : '');
      t.addEventListener('click', function () { li.classList.toggle('open'); t.textContent = li.classList.contains('open') ? '▾' : '▸'; });
      link({ r: n.k, d: '' }, n.n, li);
      el('span', { 'class': 'count' }, li, String(n.total));
      treeItems[n.k] = li;
      if (n.children.length) {
        var ul = el('ul', {}, li);
        n.children.forEach(function (c) { add(c, ul); });
      }
    }
    root.children.forEach(function (n) { add(n, top); });
  }
  function markTree(n) {
    Array.prototype.forEach.call(document.querySelectorAll('#tree li.current'), function (li) { li.classList.remove('current'); });
    pathOf(n).forEach(function (x) {
      var li = treeItems[x.k];
      if (x !== n) { li.classList.add('open'); li.firstChild.textContent = '▾'; }
    });
    if (treeItems[n.k]) treeItems[n.k].classList.add('current');
  }
  function search() {
    var box = $('search-results'), tree = $('tree');
    var q = simplify(state.q.trim());
    if (!q) { box.hidden = true; tree.hidden = false; return; }
    clear(box);
    box.hidden = false; tree.hidden = true;
    var hits = nodes.filter(function (n) {
      if (simplify(n.n).indexOf(q) >= 0 || (n.c && n.c.indexOf(q) === 0)) return true;
      return n.w.some(function (w) { return simplify(w).indexOf(q) >= 0; });
    });
    el('div', { 'class': 'muted' }, box, hits.length + ' region(s)');
    hits.slice(0, 300).forEach(function (n) {
      var row = el('div', { 'data-key': n.k }, box);
      link({ r: n.k, d: '', q: '' }, n.n, row);
      el('span', { 'class': 'level' }, row, LEVEL_ZH[n.l]);
      el('span', { 'class': 'count' }, row, String(n.total));
      el('div', { 'class': 'path' }, row, pathOf(n).slice(0, -1).map(function (x) { return x.n; }).join(' › '));
    });
  }

  // ---- the view of one region ----------------------------------------------
  function render() {
    normalize();
    var n = byKey[state.r] || root;
    $('year').value = state.y;
    $('metric').value = S.metrics[state.mi] ? S.metrics[state.mi].id : '';
    if ($('search').value !== state.q) $('search').value = state.q;
    search();
    markTree(n);
    var crumbs = clear($('crumbs'));
    link({ r: '', d: '' }, root.n, crumbs);
    pathOf(n).forEach(function (x) {
      crumbs.appendChild(document.createTextNode(' › '));
      if (x === n) el('b', { 'data-key': x.k }, crumbs, x.n); else link({ r: x.k, d: '' }, x.n, crumbs);
    });
    if (n !== root) el('span', { 'class': 'level' }, crumbs, S.levels[n.l] + (n.c ? ' ' + n.c : ''));
    var cards = clear($('region-cards'));
    card(cards, docsIn(n, state.y), 'documents' + (state.y === 'all' ? '' : ' in ' + state.y));
    card(cards, docsIn(n, 'all'), 'documents, all years');
    card(cards, n.children.length, 'sub-regions');
    var chartYear = state.y === 'all' ? (years[0] || 'all') : state.y;
    var charts = 0;
    $('children-title').textContent = n.children.length ? 'Sub-regions of ' + n.n + ' (' + n.children.length + ')' : 'No sub-regions';
    charts += childrenChart(n, chartYear, state.mi);
    charts += coverageGrid(n, chartYear);
    childrenTable(n, chartYear, state.mi);
    rollupTable(n);
    docList(n);
    document.body.setAttribute('data-charts', String(charts));
    document.body.setAttribute('data-region', n.k);
    return openDoc(state.d);
  }
  function card(parent, value, key) {
    var c = el('div', { 'class': 'card' }, parent);
    el('div', { 'class': 'v' }, c, fmt(value));
    el('div', { 'class': 'k' }, c, key);
  }

  // One row per sub-region on the chosen metric: bars from 0 for counts (sums),
  // for rates a dot at the mean with the min–max range and a median tick, on an
  // axis fitted to the values (not stretched to 0–100).
  function childrenChart(n, year, m) {
    var host = clear($('chart-children'));
    if (!S.metrics[m]) return 0;
    var units = {};
    n.children.forEach(function (c) {
      rowsOf(c, year, m).forEach(function (r) { units[r[col.unit]] = (units[r[col.unit]] || 0) + 1; });
    });
    var unit = Object.keys(units).sort(function (a, b) { return units[b] - units[a]; })[0];
    var rows = [];
    n.children.forEach(function (c) { var r = chartRow(c, year, m, unit); if (r) rows.push({ n: c, r: r }); });
    if (!rows.length) {
      el('p', { 'class': 'muted' }, host, 'No sub-region reports ' + metricName(m) + ' in ' + year + '.');
      return 0;
    }
    var summed = rows[0].r[col.statistic] === 'sum';
    var lo = Infinity, hi = -Infinity;
    rows.forEach(function (x) {
      var r = x.r;
      lo = Math.min(lo, summed ? 0 : r[col.min]);
      hi = Math.max(hi, summed ? r[col.value] : r[col.max]);
    });
    // Counts: bars from 0. Rates: the values' own band with a margin, in round
    // steps (92–99 % gives an axis 90–100, not 0–100).
    var step;
    if (summed) {
      lo = Math.min(0, lo);
      step = niceStep((hi - lo) / 4 || 1);
      hi = Math.ceil(hi / step) * step || step;
    } else {
      var range = (hi - lo) || Math.abs(hi) * 0.1 || 1;
      step = niceStep(range / 4);
      var allPositive = lo >= 0, allPercent = unit === '%' && hi <= 100;
      lo = Math.floor((lo - range * 0.05) / step) * step;
      hi = Math.ceil((hi + range * 0.05) / step) * step;
      if (allPositive && lo < 0) lo = 0;
      if (allPercent && hi > 100) hi = 100;
    }
    if (hi === lo) hi = lo + step;
    var labels = rows.map(function (x) { return x.n.n + ' (' + x.r[col.documents] + ')'; });
    var left = Math.min(260, 16 + Math.max.apply(null, labels.map(textWidth)));
    var rowH = 22, top = 34, width = Math.max(640, left + 520), right = 70;
    var height = top + rowH * rows.length + 34;
    var x = function (v) { return left + (v - lo) / (hi - lo) * (width - left - right); };
    var g = svg('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img',
                         'class': 'rf-chart', 'data-chart': 'children', 'data-metric': S.metrics[m].id,
                         'data-statistic': summed ? 'sum' : 'mean', 'data-lo': lo, 'data-hi': hi }, host);
    svg('text', { x: 0, y: 14, 'class': 'caption' }, g,
        metricName(m) + ' (' + S.metrics[m].id + (unit ? ', ' + unit : '') + '), ' + year + ': ' +
        (summed ? 'total of the documents\' values' : 'mean of the documents\' values; line = min–max, tick = median'));
    var axisY = top + rowH * rows.length + 4;
    for (var t = 0; lo + t * step <= hi + step * 1e-9; t++) {
      var v = lo + t * step;
      svg('line', { x1: x(v), x2: x(v), y1: top - 4, y2: axisY, 'class': 'grid' }, g);
      svg('text', { x: x(v), y: axisY + 16, 'text-anchor': 'middle' }, g, fmt(Math.round(v / step) * step));
    }
    svg('line', { x1: left, x2: width - right, y1: axisY, y2: axisY, 'class': 'axis' }, g);
    rows.forEach(function (item, i) {
      var r = item.r, cy = top + i * rowH + rowH / 2;
      var grp = svg('g', { 'data-key': item.n.k, 'data-value': r[col.value], 'data-documents': r[col.documents] }, g);
      svg('text', { x: left - 8, y: cy + 4, 'text-anchor': 'end' }, grp, labels[i]);
      var tip = item.n.n + ': ' + (summed ? 'total ' : 'mean ') + fmt(r[col.value]) + ' ' + (unit || '') +
                ' over ' + r[col.documents] + ' document(s)' + (summed ? '' : '; median ' + fmt(r[col.median]) +
                ', min ' + fmt(r[col.min]) + ', max ' + fmt(r[col.max]));
      if (summed) {
        svg('title', {}, svg('rect', { x: x(0), y: cy - 7, width: Math.max(1, x(r[col.value]) - x(0)), height: 14,
                                        fill: '#2f6fb2', 'fill-opacity': 0.8 }, grp), tip);
      } else {
        svg('line', { x1: x(r[col.min]), x2: x(r[col.max]), y1: cy, y2: cy, stroke: '#9ab8da', 'stroke-width': 3 }, grp);
        svg('line', { x1: x(r[col.median]), x2: x(r[col.median]), y1: cy - 7, y2: cy + 7, stroke: '#b2322f', 'stroke-width': 2 }, grp);
        svg('title', {}, svg('circle', { cx: x(r[col.value]), cy: cy, r: 5, fill: '#2f6fb2' }, grp), tip);
      }
      svg('text', { x: x(summed ? r[col.value] : r[col.max]) + 8, y: cy + 4, 'class': 'muted' }, grp, fmt(r[col.value]));
      grp.addEventListener('click', function () { go({ r: item.n.k, d: '' }); });
      grp.style.cursor = 'pointer';
    });
    return 1;
  }

  // Sub-regions × the most reported metrics; a cell's shade is the rollup's
  // coverage (documents reporting the metric / documents of the region and year).
  function coverageGrid(n, year) {
    var host = clear($('chart-coverage'));
    var kids = n.children.filter(function (c) { return docsIn(c, year) > 0; });
    if (!kids.length) return 0;
    var seen = {};
    kids.forEach(function (c) { rowsOf(c, year).forEach(function (r) { seen[r[col.metric]] = true; }); });
    var metrics = S.metrics.map(function (_, i) { return i; }).filter(function (i) {
      return seen[i] && S.metrics[i].id !== 'unclassified';
    }).slice(0, S.grid_metrics);
    if (!metrics.length) return 0;
    var shown = kids.slice().sort(function (a, b) { return docsIn(b, year) - docsIn(a, year); }).slice(0, 80);
    var labels = shown.map(function (c) { return c.n + ' (' + docsIn(c, year) + ')'; });
    var cell = 24, left = 16 + Math.max.apply(null, labels.map(textWidth));
    var colLabel = metrics.map(metricName);
    var rise = Math.max.apply(null, colLabel.map(textWidth)) * 0.72;  // a label rotated by 45°
    var top = 30 + rise;
    var width = Math.max(left + cell * metrics.length + rise + 20, left + 540), legendY = top + cell * shown.length + 18;
    var height = legendY + 44;
    var g = svg('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img',
                         'class': 'rf-chart', 'data-chart': 'coverage' }, host);
    svg('text', { x: 0, y: 14, 'class': 'caption' }, g, 'Coverage in ' + year + ': share of each sub-region\'s documents that report the metric' +
        (shown.length < kids.length ? ' (' + shown.length + ' of ' + kids.length + ' sub-regions, most documents first)' : ''));
    function shade(v) { return 'hsl(210,65%,' + (92 - 55 * v) + '%)'; }
    metrics.forEach(function (m, j) {
      var tx = left + j * cell + cell / 2, ty = top - 6;
      var t = svg('text', { x: tx, y: ty, transform: 'rotate(-45 ' + tx + ' ' + ty + ')' }, g, colLabel[j]);
      svg('title', {}, t, S.metrics[m].id);
    });
    shown.forEach(function (c, i) {
      var y = top + i * cell;
      var label = svg('text', { x: left - 6, y: y + cell - 8, 'text-anchor': 'end', 'data-key': c.k }, g, labels[i]);
      label.style.cursor = 'pointer';
      label.addEventListener('click', function () { go({ r: c.k, d: '' }); });
      metrics.forEach(function (m, j) {
        var r = rowsOf(c, year, m).sort(function (a, b) { return b[col.documents] - a[col.documents]; })[0];
        var v = r ? r[col.coverage] : null;
        var rect = svg('rect', { x: left + j * cell, y: y, width: cell - 2, height: cell - 2, rx: 2,
                                 fill: v === null ? '#f1f2f4' : shade(v), stroke: v === null ? '#d9dee7' : 'none' }, g);
        svg('title', {}, rect, c.n + ' / ' + colLabel[j] + ': ' + (v === null ? 'not reported' :
            pct(v) + ' (' + r[col.documents] + ' of ' + docsIn(c, year) + ' documents)'));
      });
    });
    var lx = left;
    svg('text', { x: lx, y: legendY + 12 }, g, 'Legend:');
    lx += 60;
    [0, 0.25, 0.5, 0.75, 1].forEach(function (v) {
      svg('rect', { x: lx, y: legendY, width: 18, height: 16, rx: 2, fill: shade(v) }, g);
      svg('text', { x: lx + 22, y: legendY + 12 }, g, pct(v));
      lx += 64;
    });
    svg('rect', { x: lx, y: legendY, width: 18, height: 16, rx: 2, fill: '#f1f2f4', stroke: '#d9dee7' }, g);
    svg('text', { x: lx + 22, y: legendY + 12 }, g, 'not reported');
    return 1;
  }

  function header(table, cols) {
    var tr = el('tr', {}, el('thead', {}, table));
    cols.forEach(function (c) { el('th', { 'class': c[1] ? 'n' : undefined }, tr, c[0]); });
    return el('tbody', {}, table);
  }
  function numCell(tr, v, text) { return el('td', { 'class': 'n' }, tr, text === undefined ? fmt(v) : text); }

  function childrenTable(n, year, m) {
    var table = clear($('children'));
    if (!n.children.length) return;
    var name = S.metrics[m] ? metricName(m) : '';
    var body = header(table, [['region'], ['level'], ['code'], ['documents ' + year, 1], ['documents, all years', 1],
                              [name + ': value', 1], ['statistic'], ['documents reporting', 1], ['coverage', 1]]);
    n.children.forEach(function (c) {
      var r = rowsOf(c, year, m).sort(function (a, b) { return b[col.documents] - a[col.documents]; })[0];
      var tr = el('tr', { 'data-key': c.k, 'data-level': S.levels[c.l], 'data-documents': docsIn(c, year) }, body);
      link({ r: c.k, d: '' }, c.n, el('td', {}, tr));
      el('td', {}, tr, S.levels[c.l]);
      el('td', {}, tr, c.c);
      numCell(tr, docsIn(c, year));
      numCell(tr, c.total);
      numCell(tr, r ? r[col.value] : null);
      el('td', {}, tr, r ? r[col.statistic] : '');
      numCell(tr, r ? r[col.documents] : null);
      numCell(tr, null, r ? pct(r[col.coverage]) : '—');
    });
  }

  // Every rollup of the region for the year (all years: one row per year; rollups of different years are not combined).
  function rollupTable(n) {
    var table = clear($('rollups'));
    var rows = rowsOf(n, state.y).slice();
    if (!rows.length) {
      el('caption', { 'class': 'muted' }, table, n === root ? 'Choose a region.' : 'No rollups for this region and year.');
      return;
    }
    rows.sort(function (a, b) { return a[col.metric] - b[col.metric] || (b[col.year] || 0) - (a[col.year] || 0); });
    var body = header(table, [['metric'], ['id'], ['year'], ['reports'], ['statistic'], ['value', 1], ['unit'],
                              ['documents', 1], ['mentions', 1], ['coverage', 1], ['mean', 1], ['median', 1], ['p90', 1],
                              ['min', 1], ['max', 1], ['sum', 1]]);
    rows.forEach(function (r) {
      var m = S.metrics[r[col.metric]];
      var tr = el('tr', { 'class': r[col.statistic] === 'sum' ? 'count' : 'rate', 'data-metric': m.id,
                          'data-year': r[col.year] === null ? '' : r[col.year], 'data-reports': r[col.reports],
                          'data-kind': r[col.kind], 'data-statistic': r[col.statistic], 'data-unit': r[col.unit],
                          'data-value': r[col.value], 'data-documents': r[col.documents],
                          'data-coverage': r[col.coverage] }, body);
      el('td', {}, tr, m.zh || m.en || m.id);
      el('td', {}, tr, m.id);
      el('td', {}, tr, r[col.year] === null ? 'unknown' : String(r[col.year]));
      el('td', {}, tr, r[col.reports]);
      el('td', {}, tr, r[col.statistic]);
      el('td', { 'class': 'n value' }, tr, fmt(r[col.value]));
      el('td', {}, tr, r[col.unit]);
      numCell(tr, r[col.documents]);
      numCell(tr, r[col.mentions]);
      numCell(tr, null, pct(r[col.coverage]));
      ['mean', 'median', 'p90', 'min', 'max', 'sum'].forEach(function (c) { numCell(tr, r[col[c]]); });
    });
  }

  var DOC_PAGE = 100;
  function docList(n) {
    var host = clear($('doc-list'));
    var list = subtreeDocs(n, state.y);
    if (!list.length) { el('p', { 'class': 'muted' }, host, 'No documents.'); return; }
    el('p', { 'class': 'muted' }, host, list.length + ' document(s)' + (state.y === 'all' ? '' : ' of ' + state.y) +
       '. Open one for its metrics and the sentences they come from.');
    var table = el('table', { 'class': 'sortable', id: 'docs' }, el('div', { 'class': 'scroll' }, host));
    var body = header(table, [['region'], ['title'], ['source'], ['year'], ['state'], ['quantities', 1], ['findings', 1]]);
    function rows(from, to) {
      list.slice(from, to).forEach(function (i) {
        var d = S.docs[i], node = nodes[d[dcol.node]];
        var tr = el('tr', { 'data-doc': d[dcol.id] }, body);
        el('td', {}, tr, node ? node.n : '');
        link({ d: d[dcol.id] }, d[dcol.title] || '(untitled)', el('td', {}, tr));
        el('td', {}, tr, d[dcol.source]);
        el('td', {}, tr, d[dcol.year] === null ? '' : String(d[dcol.year]));
        el('td', {}, tr, d[dcol.state]);
        numCell(tr, d[dcol.metrics]);
        numCell(tr, d[dcol.findings]);
      });
    }
    rows(0, DOC_PAGE);
    if (list.length > DOC_PAGE) {
      var more = el('button', { 'class': 'more' }, host, 'show all ' + list.length);
      more.addEventListener('click', function () { rows(DOC_PAGE, list.length); more.remove(); });
    }
  }

  // A document's detail, decoded from its chunk on first use.
  function openDoc(id) {
    var host = clear($('doc-detail'));
    if (!id) return Promise.resolve();
    var idx = -1;
    for (var i = 0; i < S.docs.length; i++) if (S.docs[i][dcol.id] === id) idx = i;
    if (idx < 0) { el('p', { 'class': 'warn' }, host, 'No document ' + id + ' in this report.'); return Promise.resolve(); }
    var chunk = S.docs[idx][dcol.chunk];
    if (!chunks[chunk]) chunks[chunk] = decode('report-docs-' + chunk);
    return chunks[chunk].then(function (docs) {
      var d = docs.filter(function (x) { return x.id === id; })[0];
      if (!d || state.d !== id) return;
      var a = el('article', { id: 'doc-' + d.id, 'data-doc': d.id }, clear(host));
      el('h3', {}, a, (d.title || '(untitled)'));
      el('div', { 'class': 'muted' }, a, d.place + (d.year ? ' · ' + d.year : '') + ' · ' + d.state + ' · place ' +
         d.place_status + ' · ' + d.source + ' · doc ' + d.id);
      if (d.error) el('p', { 'class': 'warn' }, a, d.error);
      if (d.findings.length) {
        var ul = el('ul', {}, a);
        d.findings.forEach(function (f) {
          var li = el('li', {}, ul);
          el('span', { 'class': 'sev-' + f[0] }, li, f[0] + ' ' + f[1] + ': ');
          li.appendChild(document.createTextNode(f[2] + ' '));
          f[3].forEach(function (mi) { el('a', { href: '#m-' + d.id + '-' + mi }, li, '#' + (mi + 1) + ' '); });
        });
      }
      if (!d.metrics.length) { el('p', { 'class': 'muted' }, a, 'No metrics.'); return; }
      var table = el('table', {}, el('div', { 'class': 'scroll' }, a));
      var body = header(table, [['#'], ['metric'], ['label'], ['subject'], ['value', 1], ['approx'], ['role'], ['section']]);
      d.metrics.forEach(function (m, i) {  // metric, subject, value, approx, role, section
        var tr = el('tr', {}, body);
        el('a', { href: '#m-' + d.id + '-' + i }, el('td', {}, tr), String(i + 1));
        el('td', {}, tr, m[0]);
        el('td', {}, tr, metricById[m[0]] ? (metricById[m[0]].zh || metricById[m[0]].en) : '');
        el('td', {}, tr, m[1]);
        el('a', { href: '#m-' + d.id + '-' + i }, el('td', { 'class': 'n' }, tr), m[2]);
        el('td', {}, tr, m[3]); el('td', {}, tr, m[4]); el('td', {}, tr, m[5]);
      });
      var src = el('div', { 'class': 'source' }, a);
      // Built and escaped by the report writer (HighlightHtml); anchors say "m-@-<i>" for "m-<doc id>-<i>".
      src.innerHTML = d.html.split('id="m-@-').join('id="m-' + d.id + '-');
      document.body.setAttribute('data-doc-loaded', d.id);
    });
  }

  // Sorting by a click on a column header, for every table.sortable (also those drawn later).
  document.addEventListener('click', function (e) {
    var th = e.target.closest && e.target.closest('table.sortable th');
    if (!th) return;
    var table = th.closest('table'), body = table.tBodies[0];
    if (!body) return;
    var col = Array.prototype.indexOf.call(th.parentNode.cells, th);
    var dir = th.getAttribute('data-dir') === 'asc' ? -1 : 1;
    th.setAttribute('data-dir', dir === 1 ? 'asc' : 'desc');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].textContent, y = b.cells[col].textContent;
      var nx = parseFloat(x.replace(/,/g, '')), ny = parseFloat(y.replace(/,/g, ''));
      if (!isNaN(nx) && !isNaN(ny)) return (nx - ny) * dir;
      return x.localeCompare(y, 'zh') * dir;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });

  function done() {
    if (document.body.getAttribute('data-render-status') !== 'error') document.body.setAttribute('data-render-status', 'ok');
  }
  function fail(err) { window.__rfRecordError('report data: ' + (err && err.message ? err.message : err)); }

  Promise.all([insertSections(), decode('report-summary').then(function (summary) {
    prepare(summary);
    controls();
    buildTree();
    readHash();
    window.addEventListener('hashchange', function () { if (readHash()) render().catch(fail); });
    return render();
  })]).then(done, fail);
})();
