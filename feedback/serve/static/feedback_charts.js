/* Charts of the feedback pages, drawn with the vendored Chart.js (no network). Each
   <canvas data-chart="NAME"> is drawn from the JSON in <script type="application/json">. */
(function () {
  "use strict";
  var RED = "#c62828", GREEN = "#2e7d32", GREY = "#9e9e9e", PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
  // Positive (+0.05 and above) green, negative (-0.05 and below, a complaint) red, the rest grey.
  function tone(value) { return value >= 0.05 ? GREEN : (value <= -0.05 ? RED : GREY); }
  // A long axis label as lines of at most `width` characters, so it is not cut off.
  function wrap(text, width) {
    var lines = [], line = "";
    String(text).split(/\s+/).forEach(function (word) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; } else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }
  function data(id) { var el = document.getElementById("data-" + id); return el ? JSON.parse(el.textContent) : []; }
  function unique(values) { return Array.from(new Set(values)).sort(); }
  // Every week from the first to the last of `weeks` (Mondays, YYYY-MM-DD): a week without a
  // comment has no row, and leaving it out would draw March right after February.
  var WEEK = 7 * 24 * 3600 * 1000;
  function everyWeek(weeks) {
    var first = Date.parse(weeks[0] + "T00:00:00Z"), last = Date.parse(weeks[weeks.length - 1] + "T00:00:00Z"), out = [];
    if (!weeks.length || isNaN(first) || isNaN(last) || (last - first) / WEEK > 2000) { return weeks; }
    for (var day = first; day <= last; day += WEEK) { out.push(new Date(day).toISOString().slice(0, 10)); }
    return unique(out.concat(weeks));  // a week off the 7-day grid is kept where it falls
  }
  function byKey(rows, key) { var out = {}; rows.forEach(function (r) { out[r[key]] = r; }); return out; }
  function series(rows, keyField, labels, valueField) {
    var keys = unique(rows.map(function (r) { return r[keyField]; }));
    return keys.map(function (key, i) {
      var byWeek = {};
      rows.forEach(function (r) { if (r[keyField] === key) byWeek[r.week] = (byWeek[r.week] || 0) + r[valueField]; });
      return { label: String(key), data: labels.map(function (w) { return byWeek[w] || 0; }), backgroundColor: PALETTE[i % 8], borderColor: PALETTE[i % 8] };
    });
  }
  var base = { responsive: true, maintainAspectRatio: false, animation: false };
  var charts = {
    "volume": function () {
      var rows = data("volume"), weeks = everyWeek(unique(rows.map(function (r) { return r.week; })));
      return { type: "bar", data: { labels: weeks, datasets: series(rows, "channel", weeks, "comments") },
               options: Object.assign({}, base, { scales: { x: { stacked: true }, y: { stacked: true } } }) };
    },
    "theme-multiple": function (canvas) {
      // Small multiples: one small chart per large theme, all on the same scale.
      var rows = data("theme-weeks"), weeks = everyWeek(unique(rows.map(function (r) { return r.week; })));
      var id = Number(canvas.dataset.theme), byWeek = {}, most = 0;
      rows.forEach(function (r) { most = Math.max(most, r.comments); if (r.theme_id === id) byWeek[r.week] = r.comments; });
      return { type: "line", data: { labels: weeks, datasets: [{ label: canvas.dataset.label, fill: true, tension: 0.25, pointRadius: 0,
        data: weeks.map(function (w) { return byWeek[w] || 0; }), borderColor: PALETTE[0], backgroundColor: "rgba(31, 119, 180, 0.15)" }] },
        options: Object.assign({}, base, { plugins: { legend: { display: false } }, scales: { y: { min: 0, suggestedMax: most }, x: { ticks: { maxTicksLimit: 4 } } } }) };
    },
    "sentiment-by-theme": function () {
      var rows = data("sentiment");
      return { type: "bar", data: { labels: rows.map(function (r) { return wrap(r.label, 28); }),
        datasets: [{ label: "mean sentiment", data: rows.map(function (r) { return r.sentiment; }),
          backgroundColor: rows.map(function (r) { return tone(r.sentiment); }) }] },
        options: Object.assign({}, base, { indexAxis: "y", scales: { x: { min: -1, max: 1 }, y: { ticks: { autoSkip: false } } } }) };
    },
    "promise-gap": function () {
      var rows = data("promises");
      return { type: "bar", data: { labels: rows.map(function (r) { return wrap(r.promise + " (" + r.status + ")", 28); }),
        datasets: [{ label: "complaints", data: rows.map(function (r) { return r.negative; }), backgroundColor: RED },
                   { label: "other mentions", data: rows.map(function (r) { return r.comments - r.negative; }), backgroundColor: GREEN }] },
        options: Object.assign({}, base, { indexAxis: "y", scales: { x: { stacked: true }, y: { stacked: true, ticks: { autoSkip: false } } } }) };
    },
    "theme-weeks": function () {
      var rows = data("weeks"), weeks = everyWeek(rows.map(function (r) { return r.week; })), at = byKey(rows, "week");
      return { type: "bar", data: { labels: weeks,
        datasets: [{ label: "complaints", data: weeks.map(function (w) { return at[w] ? at[w].negative : 0; }), backgroundColor: RED },
                   { label: "other comments", data: weeks.map(function (w) { return at[w] ? at[w].comments - at[w].negative : 0; }), backgroundColor: "#90a4ae" }] },
        options: Object.assign({}, base, { scales: { x: { stacked: true }, y: { stacked: true } } }) };
    },
    "theme-sentiment": function () {
      var rows = data("weeks"), weeks = everyWeek(rows.map(function (r) { return r.week; })), at = byKey(rows, "week");
      return { type: "line", data: { labels: weeks,  // a week without comments has no sentiment: a gap in the line
        datasets: [{ label: "mean sentiment", data: weeks.map(function (w) { return at[w] ? at[w].sentiment : null; }), borderColor: PALETTE[0], tension: 0.25 }] },
        options: Object.assign({}, base, { scales: { y: { min: -1, max: 1 } } }) };
    },
    "drivers": function (canvas) {
      var rows = data("drivers")[canvas.dataset.source] || [];
      var colour = { "drag": RED, "strength": GREEN };
      return { type: "bar", data: { labels: rows.map(function (r) { return wrap(r.label, 28); }),
        datasets: [{ label: "points gained if this theme's responses scored like the others", data: rows.map(function (r) { return r.points; }),
          backgroundColor: rows.map(function (r) { return colour[r.verdict] || GREY; }), order: 1 },
                   { label: "95 % interval", data: rows.map(function (r) { return r.points_low === null ? null : [r.points_low, r.points_high]; }),
          backgroundColor: "rgba(0, 0, 0, 0.55)", grouped: false, barPercentage: 0.15, order: 0 }] },
        options: Object.assign({}, base, { indexAxis: "y", scales: { y: { ticks: { autoSkip: false } } } }) };
    },
    "timeline": function () {
      var rows = data("timeline");
      return { type: "line", data: { labels: rows.map(function (r) { return (r.received_at || "").slice(0, 10) + " " + r.channel; }),
        datasets: [{ label: "sentiment", data: rows.map(function (r) { return r.sentiment; }), borderColor: PALETTE[0], pointRadius: 5,
          pointBackgroundColor: rows.map(function (r) { return tone(r.sentiment); }) }] },
        options: Object.assign({}, base, { scales: { y: { min: -1, max: 1 } } }) };
    }
  };
  window.feedbackCharts = [];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var make = charts[canvas.dataset.chart];
    if (make && window.Chart) { window.feedbackCharts.push(new window.Chart(canvas, make(canvas))); }
  });
  // A link to a folded section (the drivers' "Sub-themes" count to its group's drill-down) opens it.
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1)), target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS" && !target.open) { target.open = true; target.scrollIntoView(); }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
