/* Charts of the feedback pages, drawn with the vendored Chart.js (no network). Each
   <canvas data-chart="NAME"> is drawn from the JSON in <script type="application/json">. */
(function () {
  "use strict";
  var RED = "#c62828", GREEN = "#2e7d32", PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
  function data(id) { var el = document.getElementById("data-" + id); return el ? JSON.parse(el.textContent) : []; }
  function unique(values) { return Array.from(new Set(values)).sort(); }
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
      var rows = data("volume"), weeks = unique(rows.map(function (r) { return r.week; }));
      return { type: "bar", data: { labels: weeks, datasets: series(rows, "channel", weeks, "comments") },
               options: Object.assign({}, base, { scales: { x: { stacked: true }, y: { stacked: true } } }) };
    },
    "themes-over-time": function () {
      var rows = data("theme-weeks"), names = {}, weeks = unique(rows.map(function (r) { return r.week; }));
      data("top-themes").forEach(function (t) { names[t.id] = t.label; });
      var sets = series(rows, "theme_id", weeks, "comments");
      sets.forEach(function (s) { s.label = names[s.label] || s.label; s.fill = false; s.tension = 0.25; });
      return { type: "line", data: { labels: weeks, datasets: sets }, options: base };
    },
    "sentiment-by-theme": function () {
      var rows = data("sentiment");
      return { type: "bar", data: { labels: rows.map(function (r) { return r.label; }),
        datasets: [{ label: "mean sentiment", data: rows.map(function (r) { return r.sentiment; }),
          backgroundColor: rows.map(function (r) { return r.sentiment < 0 ? RED : GREEN; }) }] },
        options: Object.assign({}, base, { indexAxis: "y", scales: { x: { min: -1, max: 1 }, y: { ticks: { autoSkip: false } } } }) };
    },
    "promise-gap": function () {
      var rows = data("promises");
      return { type: "bar", data: { labels: rows.map(function (r) { return r.promise + " (" + r.status + ")"; }),
        datasets: [{ label: "complaints", data: rows.map(function (r) { return r.negative; }), backgroundColor: RED },
                   { label: "other mentions", data: rows.map(function (r) { return r.comments - r.negative; }), backgroundColor: GREEN }] },
        options: Object.assign({}, base, { indexAxis: "y", scales: { x: { stacked: true }, y: { stacked: true, ticks: { autoSkip: false } } } }) };
    },
    "theme-weeks": function () {
      var rows = data("weeks");
      return { type: "bar", data: { labels: rows.map(function (r) { return r.week; }),
        datasets: [{ label: "complaints", data: rows.map(function (r) { return r.negative; }), backgroundColor: RED },
                   { label: "other comments", data: rows.map(function (r) { return r.comments - r.negative; }), backgroundColor: "#90a4ae" }] },
        options: Object.assign({}, base, { scales: { x: { stacked: true }, y: { stacked: true } } }) };
    },
    "theme-sentiment": function () {
      var rows = data("weeks");
      return { type: "line", data: { labels: rows.map(function (r) { return r.week; }),
        datasets: [{ label: "mean sentiment", data: rows.map(function (r) { return r.sentiment; }), borderColor: PALETTE[0], tension: 0.25 }] },
        options: Object.assign({}, base, { scales: { y: { min: -1, max: 1 } } }) };
    },
    "drivers": function (canvas) {
      var rows = (data("drivers")[canvas.dataset.source] || []).slice(0, 15);
      return { type: "bar", data: { labels: rows.map(function (r) { return r.label; }),
        datasets: [{ label: "points gained if this theme's complaints disappeared", data: rows.map(function (r) { return r.points; }),
          backgroundColor: rows.map(function (r) { return r.points > 0 ? RED : GREEN; }) }] },
        options: Object.assign({}, base, { indexAxis: "y", scales: { y: { ticks: { autoSkip: false } } } }) };
    },
    "timeline": function () {
      var rows = data("timeline");
      return { type: "line", data: { labels: rows.map(function (r) { return (r.received_at || "").slice(0, 10) + " " + r.channel; }),
        datasets: [{ label: "sentiment", data: rows.map(function (r) { return r.sentiment; }), borderColor: PALETTE[0], pointRadius: 5 }] },
        options: Object.assign({}, base, { scales: { y: { min: -1, max: 1 } } }) };
    }
  };
  window.feedbackCharts = [];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var make = charts[canvas.dataset.chart];
    if (make && window.Chart) { window.feedbackCharts.push(new window.Chart(canvas, make(canvas))); }
  });
})();
