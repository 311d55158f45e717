/*
 * The edgeplane scenario report's renderer: draws each scenario's timeline and per-region charts as SVG from the
 * data embedded in the page (#scenario-data, the same JSON as scenario.json) and the event styles
 * (#timeline-kinds). Plain ES2017, no libraries, no network. When done it sets data-rendered="true" and
 * data-charts="<count>" on <body>; on failure data-rendered="error", a message on the page, and the error rethrown.
 * Inlined into report.html by src/scenario/report/renderReportHtml.ts (which checks it holds no end tag of a script element).
 */
(function () {
  'use strict';

  var SVG_NS = 'http://www.w3.org/2000/svg';
  var WIDTH = 960;
  var LEFT = 156;
  var RIGHT = 24;
  var CURVE_COLOURS = ['#1a9850', '#d73027', '#4575b4', '#984ea3'];
  var COLOURS = { reached: '#1a9850', offline: '#8c6d31', track: '#eef0f2', p50: '#92c5de', max: '#2166ac', dark: '#3b3b3b' };

  // ---- formatting: mirrors formatDuration in src/scenario/report/reportFormat.ts (the test compares them)

  function pad(n) {
    return (n < 10 ? '0' : '') + n;
  }

  function formatDuration(ms) {
    if (ms === null || ms === undefined) return '\u2014';
    if (ms < 0) return '-' + formatDuration(-ms);
    if (ms < 999.5) return Math.round(ms) + ' ms';
    var tenths = Math.round(ms / 100);
    if (tenths < 600) return (tenths / 10).toFixed(1) + ' s';
    var seconds = Math.round(ms / 1000);
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min ' + pad(seconds % 60) + ' s';
    var minutes = Math.round(ms / 60000);
    return Math.floor(minutes / 60) + ' h ' + pad(minutes % 60) + ' min';
  }

  function shortCommit(commit) {
    return String(commit).slice(0, 12);
  }

  // ---- SVG helpers

  function make(name, attrs, parent, text) {
    var node = document.createElementNS(SVG_NS, name);
    for (var key in attrs) {
      if (Object.prototype.hasOwnProperty.call(attrs, key) && attrs[key] !== undefined) node.setAttribute(key, String(attrs[key]));
    }
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  /** A group with a tooltip: the <title> comes first, as SVG readers expect. */
  function group(parent, attrs, title) {
    var g = make('g', attrs, parent);
    if (title) make('title', {}, g, title);
    return g;
  }

  function round(n) {
    return Math.round(n * 10) / 10;
  }

  /** A chart's <svg>, labelled for screen readers by its own <title> and <desc>. */
  function chartSvg(figure, id, height, title, description) {
    var svg = make('svg', {
      'class': 'chart',
      viewBox: '0 0 ' + WIDTH + ' ' + height,
      role: 'img',
      'aria-labelledby': id + '-title ' + id + '-desc',
      id: id
    });
    make('title', { id: id + '-title' }, svg, title);
    make('desc', { id: id + '-desc' }, svg, description);
    figure.appendChild(svg);
    return svg;
  }

  function shape(parent, kind, x, y, style, attrs) {
    var a = attrs || {};
    a.fill = style.colour;
    var node;
    if (style.shape === 'circle') {
      a.cx = round(x); a.cy = y; a.r = 4;
      node = make('circle', a, parent);
    } else if (style.shape === 'square') {
      a.x = round(x - 4); a.y = y - 4; a.width = 8; a.height = 8;
      node = make('rect', a, parent);
    } else if (style.shape === 'bar') {
      a.x = round(x - 1.25); a.y = y - 6; a.width = 2.5; a.height = 12;
      node = make('rect', a, parent);
    } else if (style.shape === 'triangle') {
      a.d = 'M' + round(x) + ' ' + (y - 5) + 'L' + round(x + 5) + ' ' + (y + 4) + 'L' + round(x - 5) + ' ' + (y + 4) + 'Z';
      node = make('path', a, parent);
    } else {
      a.d = 'M' + round(x) + ' ' + (y - 5.5) + 'L' + round(x + 5.5) + ' ' + y + 'L' + round(x) + ' ' + (y + 5.5) + 'L' + round(x - 5.5) + ' ' + y + 'Z';
      node = make('path', a, parent);
    }
    return node;
  }

  /** A step between ticks of 1, 2 or 5 times a power of ten, giving about `count` ticks over `span`. */
  function niceStep(span, count) {
    var raw = span / count;
    var power = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10));
    var m = raw / power;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
  }

  /** An HTML legend under a chart: [{label, swatch(svg)}]. */
  function legend(figure, entries) {
    var list = document.createElement('ul');
    list.className = 'legend';
    entries.forEach(function (entry) {
      var item = document.createElement('li');
      var swatch = make('svg', { viewBox: '0 0 24 14', 'aria-hidden': 'true' }, item);
      entry.swatch(swatch);
      item.appendChild(document.createTextNode(entry.label));
      list.appendChild(item);
    });
    figure.appendChild(list);
  }

  // ---- timeline

  /**
   * The step curves: for each revision (the final one first, then every other pushed one), how many stations
   * run it over time, from each station's history (or, without history, from reachedAfterMs after the first push).
   */
  function revisionCurves(s) {
    var commits = [s.finalSourceCommit];
    s.pushes.forEach(function (p) {
      if (commits.indexOf(p.commit) < 0) commits.push(p.commit);
    });
    var firstPush = s.pushes.length ? s.pushes[0].at : 0;
    return commits.slice(0, CURVE_COLOURS.length).map(function (commit, i) {
      var changes = [];
      s.stations.forEach(function (station) {
        var history = station.history;
        if (history.length === 0 && station.reachedAfterMs !== null && commit === s.finalSourceCommit) {
          history = [{ at: firstPush + station.reachedAfterMs, sourceCommit: commit }];
        }
        var current = null;
        history.forEach(function (h) {
          if (h.sourceCommit === current) return;
          if (current === commit) changes.push([h.at, -1]);
          if (h.sourceCommit === commit) changes.push([h.at, 1]);
          current = h.sourceCommit;
        });
      });
      changes.sort(function (a, b) { return a[0] - b[0]; });
      var points = [];
      var count = 0;
      changes.forEach(function (c) {
        count += c[1];
        if (points.length && points[points.length - 1][0] === c[0]) points[points.length - 1][1] = count;
        else points.push([c[0], count]);
      });
      var push = s.pushes.filter(function (p) { return p.commit === commit; })[0];
      var label = 'running ' + shortCommit(commit) + (push ? ' (' + push.message + ')' : '') + (i === 0 ? ', the final revision' : '');
      return { commit: commit, points: points, end: count, label: label, colour: CURVE_COLOURS[i], dashed: i > 0 };
    });
  }

  /** Spans when a region was dark: each region-dark to the next region-restored of that region, or the end. */
  function darkSpans(s, end) {
    var open = {};
    var spans = [];
    s.timeline.slice().sort(function (a, b) { return a.at - b.at; }).forEach(function (e) {
      var region = e.region || e.detail;
      if (e.kind === 'region-dark' && !(region in open)) open[region] = e.at;
      if (e.kind === 'region-restored' && region in open) {
        spans.push({ region: region, from: open[region], to: e.at, restored: true });
        delete open[region];
      }
    });
    Object.keys(open).forEach(function (region) {
      spans.push({ region: region, from: open[region], to: end, restored: false });
    });
    return spans;
  }

  function drawTimeline(figure, s, kinds, index) {
    var kindNames = Object.keys(kinds);
    var counts = {};
    s.timeline.forEach(function (e) { counts[e.kind] = (counts[e.kind] || 0) + 1; });
    var lanes = kindNames.filter(function (k) { return counts[k]; });
    Object.keys(counts).forEach(function (k) { if (lanes.indexOf(k) < 0) lanes.push(k); });

    // At least a second, so a scenario that ran for no time still gets a readable axis.
    var end = Math.max(1000, s.durationMs);
    s.timeline.forEach(function (e) { end = Math.max(end, e.at); });
    s.stations.forEach(function (st) { st.history.forEach(function (h) { end = Math.max(end, h.at); }); });

    var total = s.stations.length;
    var curves = revisionCurves(s);
    var plotW = WIDTH - LEFT - RIGHT;
    var top = 26;
    var curveH = 170;
    var lanesTop = top + curveH + 18;
    var laneH = 20;
    var lanesBottom = lanesTop + Math.max(1, lanes.length) * laneH;
    var height = lanesBottom + 44;
    var x = function (t) { return LEFT + (plotW * t) / end; };
    var y = function (n) { return top + curveH - (curveH * n) / Math.max(1, total); };

    var id = 'chart-' + (index + 1) + '-timeline';
    var final = curves[0];
    var description = s.timeline.length + ' events over ' + formatDuration(end) + '; ' + final.end + ' of ' + total +
      ' stations run the final revision ' + shortCommit(s.finalSourceCommit) + ' at the end.';
    var svg = chartSvg(figure, id, height, 'Timeline of “' + s.title + '”', description);

    // Grid and axes.
    var seconds = end / 1000;
    var step = niceStep(seconds, 8);
    var decimals = Math.max(0, -Math.floor(Math.log(step) / Math.LN10 + 1e-9));
    var grid = make('g', { 'class': 'grid' }, svg);
    var axis = make('g', { 'class': 'axis' }, svg);
    for (var k = 0; k * step <= seconds * (1 + 1e-9); k++) {
      var tx = round(x(k * step * 1000));
      make('line', { x1: tx, x2: tx, y1: top, y2: lanesBottom }, grid);
      make('text', { x: tx, y: lanesBottom + 18, 'text-anchor': 'middle' }, axis, (k * step).toFixed(decimals));
    }
    make('text', { x: LEFT + plotW / 2, y: lanesBottom + 36, 'text-anchor': 'middle' }, axis, 'seconds since the scenario started');
    make('line', { x1: LEFT, x2: LEFT + plotW, y1: lanesBottom, y2: lanesBottom }, axis);
    var yStep = Math.max(1, Math.round(niceStep(Math.max(1, total), 4)));
    for (var n = 0; n <= total; n += yStep) {
      make('line', { x1: LEFT, x2: LEFT + plotW, y1: round(y(n)), y2: round(y(n)) }, grid);
      make('text', { x: LEFT - 8, y: round(y(n)) + 4, 'text-anchor': 'end' }, axis, String(n));
    }
    make('text', { x: LEFT - 8, y: top - 12, 'text-anchor': 'end' }, axis, 'stations');
    make('line', { x1: LEFT, x2: LEFT, y1: top, y2: top + curveH }, axis);

    // Regions that went dark: shaded across the whole chart.
    var spans = darkSpans(s, end);
    spans.forEach(function (span) {
      var band = group(svg, { 'class': 'dark-span' }, 'region ' + span.region + ' dark from ' + formatDuration(span.from) +
        (span.restored ? ' to ' + formatDuration(span.to) : ' to the end'));
      make('rect', { x: round(x(span.from)), y: top, width: round(Math.max(1, x(span.to) - x(span.from))), height: lanesBottom - top, fill: COLOURS.dark, 'fill-opacity': 0.08 }, band);
      make('text', { x: round(x(span.from)) + 4, y: top + 12, 'class': 'muted' }, band, span.region + ' dark');
    });

    // Milestones rule a faint line through the curves.
    s.timeline.forEach(function (e) {
      var style = kinds[e.kind];
      if (!style || !style.guide) return;
      make('line', { 'class': 'event-guide', x1: round(x(e.at)), x2: round(x(e.at)), y1: top, y2: lanesTop - 6, stroke: style.colour, 'stroke-dasharray': '3 3', 'stroke-opacity': 0.6 }, svg);
    });

    // Curves: stations running each revision.
    if (total === 0) make('text', { x: LEFT + plotW / 2, y: top + curveH / 2, 'text-anchor': 'middle', 'class': 'muted' }, svg, 'no stations in this scenario');
    curves.slice().reverse().forEach(function (curve) {
      // Stations already on the revision when the scenario starts are where the curve begins, not a jump.
      var count = 0;
      var steps = '';
      curve.points.forEach(function (p) {
        if (p[0] <= 0) count = p[1];
        else steps += 'H' + round(x(p[0])) + 'V' + round(y(p[1]));
      });
      var d = 'M' + round(x(0)) + ' ' + round(y(count)) + steps;
      if (curve.points.length) count = curve.points[curve.points.length - 1][1];
      d += 'H' + round(x(end));
      var line = group(svg, { 'class': 'revision-curve', 'data-commit': curve.commit }, curve.label + ': ' + count + ' of ' + total + ' stations at the end');
      make('path', { d: d, fill: 'none', stroke: curve.colour, 'stroke-width': curve.dashed ? 1.8 : 2.6, 'stroke-dasharray': curve.dashed ? '6 4' : undefined, 'stroke-linejoin': 'round' }, line);
    });
    if (total > 0) {
      make('text', { x: round(x(end)) - 2, y: round(y(final.end)) - 6, 'text-anchor': 'end', fill: final.colour }, svg, final.end + ' of ' + total);
    }

    // Event lanes: one per kind, one mark per event.
    lanes.forEach(function (kind, lane) {
      var style = kinds[kind] || { label: kind, colour: '#6a6a6a', shape: 'circle' };
      var ly = lanesTop + lane * laneH + laneH / 2;
      make('line', { x1: LEFT, x2: LEFT + plotW, y1: ly, y2: ly, stroke: '#eef0f2' }, svg);
      make('text', { x: LEFT - 8, y: ly + 4, 'text-anchor': 'end' }, svg, style.label + ' (' + counts[kind] + ')');
    });
    if (lanes.length === 0) {
      make('text', { x: LEFT + plotW / 2, y: lanesTop + laneH / 2 + 4, 'text-anchor': 'middle', 'class': 'muted' }, svg, 'no timeline events');
    }
    var marks = make('g', { 'class': 'events' }, svg);
    s.timeline.forEach(function (e) {
      var style = kinds[e.kind] || { label: e.kind, colour: '#6a6a6a', shape: 'circle' };
      var ly = lanesTop + lanes.indexOf(e.kind) * laneH + laneH / 2;
      var where = [e.region && 'region ' + e.region, e.wave && 'wave ' + e.wave, e.station && 'station ' + e.station].filter(Boolean).join(', ');
      var mark = shape(marks, e.kind, x(e.at), ly, style, { 'class': 'event-mark', 'data-kind': e.kind, stroke: '#fff', 'stroke-width': 0.8, 'fill-opacity': e.kind === 'station-running' ? 0.75 : 1 });
      make('title', {}, mark, formatDuration(e.at) + ' \u00b7 ' + style.label + ': ' + e.detail + (where ? ' (' + where + ')' : ''));
    });

    var entries = curves.map(function (curve) {
      return {
        label: curve.label + ' \u2014 ' + curve.end + ' of ' + total + ' at the end',
        swatch: function (sw) { make('line', { x1: 1, x2: 23, y1: 7, y2: 7, stroke: curve.colour, 'stroke-width': 2.6, 'stroke-dasharray': curve.dashed ? '5 3' : undefined }, sw); }
      };
    });
    lanes.forEach(function (kind) {
      var style = kinds[kind] || { label: kind, colour: '#6a6a6a', shape: 'circle' };
      entries.push({ label: style.label, swatch: function (sw) { shape(sw, kind, 12, 7, style); } });
    });
    if (spans.length) {
      entries.push({ label: 'region dark', swatch: function (sw) { make('rect', { x: 1, y: 1, width: 22, height: 12, fill: COLOURS.dark, 'fill-opacity': 0.15 }, sw); } });
    }
    legend(figure, entries);
  }

  // ---- per region

  /** Nearest-rank percentile of sorted numbers; null for none. */
  function percentile(sorted, p) {
    if (sorted.length === 0) return null;
    return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
  }

  function regionStats(s, fleet) {
    var order = fleet.regions.slice();
    s.stations.forEach(function (st) { if (order.indexOf(st.region) < 0) order.push(st.region); });
    return order.map(function (region) {
      var stations = s.stations.filter(function (st) { return st.region === region; });
      var latencies = stations.filter(function (st) { return st.reachedAfterMs !== null; })
        .map(function (st) { return st.reachedAfterMs; })
        .sort(function (a, b) { return a - b; });
      return {
        region: region,
        total: stations.length,
        reached: latencies.length,
        offline: stations.filter(function (st) { return st.offline; }).length,
        p50: percentile(latencies, 0.5),
        max: percentile(latencies, 1)
      };
    });
  }

  function drawRegions(figure, s, fleet, index) {
    var stats = regionStats(s, fleet);
    var rowH = 46;
    var top = 34;
    var height = top + Math.max(1, stats.length) * rowH + 8;
    var countX = LEFT;
    var countW = 230;
    var latX = 560;
    var latW = 270;
    var maxTotal = 1;
    var maxLatency = 1;
    stats.forEach(function (r) {
      maxTotal = Math.max(maxTotal, r.total);
      if (r.max !== null) maxLatency = Math.max(maxLatency, r.max);
    });
    var id = 'chart-' + (index + 1) + '-regions';
    var description = stats.map(function (r) {
      return r.region + ': ' + r.reached + ' of ' + r.total + ' ran the change, ' + r.offline + ' offline, p50 ' + formatDuration(r.p50) + ', max ' + formatDuration(r.max);
    }).join('; ') + '.';
    var svg = chartSvg(figure, id, height, 'Per region: “' + s.title + '”', description);
    make('text', { x: countX, y: 16, 'font-weight': 600 }, svg, 'stations that ran the change / offline at the end');
    make('text', { x: latX, y: 16, 'font-weight': 600 }, svg, 'push \u2192 running: p50 / max');
    if (stats.length === 0) make('text', { x: WIDTH / 2, y: top + 24, 'text-anchor': 'middle', 'class': 'muted' }, svg, 'the fleet has no regions');

    stats.forEach(function (r, i) {
      var y = top + i * rowH;
      var row = group(svg, { 'class': 'region-group', 'data-region': r.region }, r.region + ': ' + r.total + ' stations; ' + r.reached +
        ' ran the change, ' + r.offline + ' offline at the end; latency p50 ' + formatDuration(r.p50) + ', max ' + formatDuration(r.max));
      if (i > 0) make('line', { x1: 0, x2: WIDTH, y1: y - 4, y2: y - 4, stroke: '#eef0f2' }, row);
      make('text', { x: LEFT - 12, y: y + 16, 'text-anchor': 'end', 'font-weight': 600 }, row, r.region);
      make('text', { x: LEFT - 12, y: y + 32, 'text-anchor': 'end', 'class': 'muted' }, row, r.total + (r.total === 1 ? ' station' : ' stations'));

      var track = (countW * r.total) / maxTotal;
      [['reached', r.reached, r.reached + ' of ' + r.total + ' ran it'], ['offline', r.offline, r.offline + ' offline']].forEach(function (bar, b) {
        var by = y + 4 + b * 17;
        make('rect', { x: countX, y: by, width: round(track), height: 13, fill: COLOURS.track }, row);
        make('rect', { 'class': 'bar-' + bar[0], x: countX, y: by, width: round((countW * bar[1]) / maxTotal), height: 13, fill: COLOURS[bar[0]] }, row);
        make('text', { x: countX + countW + 8, y: by + 11 }, row, bar[2]);
      });

      if (r.p50 === null) {
        make('text', { x: latX, y: y + 22, 'class': 'muted' }, row, r.total === 0 ? 'no stations' : 'no station ran the change');
        return;
      }
      [['p50', r.p50], ['max', r.max]].forEach(function (bar, b) {
        var by = y + 4 + b * 17;
        make('rect', { 'class': 'bar-' + bar[0], x: latX, y: by, width: round(Math.max(1, (latW * bar[1]) / maxLatency)), height: 13, fill: COLOURS[bar[0]] }, row);
        make('text', { x: latX + latW + 8, y: by + 11 }, row, bar[0] + ' ' + formatDuration(bar[1]));
      });
    });

    legend(figure, [
      { label: 'ran the change', swatch: function (sw) { make('rect', { x: 1, y: 2, width: 22, height: 10, fill: COLOURS.reached }, sw); } },
      { label: 'offline at the end', swatch: function (sw) { make('rect', { x: 1, y: 2, width: 22, height: 10, fill: COLOURS.offline }, sw); } },
      { label: 'stations in the region', swatch: function (sw) { make('rect', { x: 1, y: 2, width: 22, height: 10, fill: COLOURS.track, stroke: '#d0d7de' }, sw); } },
      { label: 'latency p50', swatch: function (sw) { make('rect', { x: 1, y: 2, width: 22, height: 10, fill: COLOURS.p50 }, sw); } },
      { label: 'latency max', swatch: function (sw) { make('rect', { x: 1, y: 2, width: 22, height: 10, fill: COLOURS.max }, sw); } }
    ]);
  }

  // ---- main

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) throw new Error('the page has no #' + id + ' element');
    return JSON.parse(node.textContent);
  }

  function figureFor(chart, index) {
    var figure = document.querySelector('figure[data-chart="' + chart + '"][data-scenario="' + index + '"]');
    if (!figure) throw new Error('the page has no ' + chart + ' chart container for scenario ' + (index + 1));
    return figure;
  }

  function main() {
    var status = document.getElementById('render-status');
    try {
      var kinds = {};
      readJson('timeline-kinds').forEach(function (style) { kinds[style.kind] = style; });
      var data = readJson('scenario-data');
      data.scenarios.forEach(function (s, i) {
        drawTimeline(figureFor('timeline', i), s, kinds, i);
        drawRegions(figureFor('regions', i), s, data.fleet, i);
      });
      document.body.dataset.charts = String(document.querySelectorAll('svg.chart').length);
      document.body.dataset.rendered = 'true';
      if (status) status.parentNode.removeChild(status);
    } catch (error) {
      document.body.dataset.rendered = 'error';
      if (status) {
        status.className = 'render-error';
        status.textContent = 'The charts could not be drawn: ' + (error && error.message);
      }
      throw error;
    }
  }

  window.edgeplaneReport = { formatDuration: formatDuration };
  main();
})();
