// Labda Monitor tab and Live Tail. The graphs are drawn with Chart.js
// (vendored) from the metrics JSON; the tab itself is server-rendered and
// swapped by htmx (range buttons, Refresh, auto refresh). An open Monitor tab
// polls a small change token and redraws when an invocation starts or ends,
// so a Test run elsewhere shows up without a page reload.
(function () {
  "use strict";
  if (window.labdaMonitor) return; // loaded once per page, even if re-included

  var COLORS = { blue: "#0073bb", orange: "#ec7211", green: "#1d8102", red: "#d13212", purple: "#8456ce", grey: "#687078", teal: "#067f68" };
  var CHANGE_POLL_MS = 5000;
  var state = { charts: [], timer: null, autoTimer: null, token: null, loading: false };

  // Averages, extremes and rates have no value in an empty period: the line
  // joins the periods that have one (as CloudWatch draws it), and points stay
  // visible while they are few.
  function line(label, data, color, extra) {
    var present = data.filter(function (v) { return v !== null; }).length;
    return Object.assign({
      type: "line", label: label, data: data, borderColor: color, backgroundColor: color,
      borderWidth: 2, pointRadius: present > 150 ? 0 : 2.5, pointHoverRadius: 4, spanGaps: true, tension: 0,
    }, extra || {});
  }

  // Counts (0 in an empty period) are bars: a sparse lab function reads better
  // as bars than as a saw-tooth line.
  function bar(label, data, color, extra) {
    return Object.assign({
      type: "bar", label: label, data: data, backgroundColor: color + "b3", borderColor: color, borderWidth: 1,
      barPercentage: 1, categoryPercentage: 0.9, minBarLength: 0,
    }, extra || {});
  }

  function axis(title, extra) {
    return Object.assign({ beginAtZero: true, title: { display: !!title, text: title }, ticks: { maxTicksLimit: 6 } }, extra || {});
  }

  // id -> datasets and axes, from the series of the JSON.
  var CHARTS = {
    invocations: function (s) {
      return { datasets: [bar("Invocations", s.invocations, COLORS.blue)], scales: { y: axis("Count", { ticks: { precision: 0 } }) } };
    },
    duration: function (s) {
      return {
        datasets: [
          line("Duration Minimum", s.duration_min, COLORS.green),
          line("Duration Average", s.duration_avg, COLORS.blue),
          line("Duration Maximum", s.duration_max, COLORS.orange),
        ],
        scales: { y: axis("Milliseconds") },
      };
    },
    errors: function (s) {
      return {
        datasets: [
          bar("Errors", s.errors, COLORS.red, { yAxisID: "y", order: 2 }),
          line("Success rate (%)", s.success_rate, COLORS.green, { yAxisID: "y1", order: 1 }),
        ],
        scales: {
          y: axis("Count", { ticks: { precision: 0 } }),
          y1: axis("%", { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } }),
        },
      };
    },
    throttles: function (s) {
      return { datasets: [bar("Throttles", s.throttles, COLORS.orange)], scales: { y: axis("Count", { ticks: { precision: 0 } }) } };
    },
    concurrency: function (s) {
      return {
        datasets: [line("Concurrent executions (maximum)", s.concurrent_executions, COLORS.purple)],
        scales: { y: axis("Count", { ticks: { precision: 0 } }) },
      };
    },
    "cold-starts": function (s) {
      return {
        datasets: [
          bar("Cold starts", s.cold_starts, COLORS.blue, { yAxisID: "y", order: 2 }),
          line("Init Duration Average", s.init_duration_avg, COLORS.orange, { yAxisID: "y1", order: 1 }),
          line("Init Duration Maximum", s.init_duration_max, COLORS.red, { yAxisID: "y1", order: 1, borderDash: [4, 3] }),
        ],
        scales: {
          y: axis("Count", { ticks: { precision: 0 } }),
          y1: axis("ms", { position: "right", grid: { drawOnChartArea: false } }),
        },
      };
    },
    memory: function (s, data) {
      // Configured memory is a setting, not a measurement: where nothing ran,
      // the line shows today's setting so "used vs configured" reads at a glance.
      var configured = s.memory_size_mb.map(function (v) { return v === null ? data.configured_memory_mb : v; });
      return {
        datasets: [
          line("Max memory used (MB)", s.max_memory_used_mb, COLORS.teal),
          line("Memory size configured (MB)", configured, COLORS.grey, { borderDash: [6, 4], pointRadius: 0 }),
        ],
        scales: { y: axis("MB") },
      };
    },
  };

  function destroyCharts() {
    state.charts.forEach(function (chart) { chart.destroy(); });
    state.charts = [];
  }

  function draw(root, data) {
    destroyCharts();
    var empty = data.totals.invocations + data.totals.throttles === 0;
    Object.keys(CHARTS).forEach(function (id) {
      var canvas = document.getElementById("chart-" + id);
      if (!canvas) return;
      var spec = CHARTS[id](data.series, data);
      var chart = new Chart(canvas, {
        data: { labels: data.labels, datasets: spec.datasets },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          interaction: { mode: "index", intersect: false },
          plugins: {
            legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12, font: { size: 11 } } },
            tooltip: { callbacks: { title: function (items) { return items.length ? data.timestamps[items[0].dataIndex].replace("T", " ").replace("Z", " UTC") : ""; } } },
          },
          scales: Object.assign({ x: { ticks: { maxTicksLimit: 8, maxRotation: 0, autoSkip: true }, grid: { display: false } } }, spec.scales),
        },
      });
      state.charts.push(chart);
      var overlay = canvas.parentNode.querySelector(".chart-empty");
      if (overlay) overlay.hidden = !empty;
    });
    var grid = document.getElementById("charts");
    if (grid) grid.dataset.state = empty ? "empty" : "drawn";
    root.dataset.totalInvocations = data.totals.invocations;
    root.dataset.totalErrors = data.totals.errors;
    root.dataset.totalThrottles = data.totals.throttles;
    root.dataset.drawnAt = String(Date.now());
    state.token = data.token;
  }

  function showError(message) {
    var grid = document.getElementById("charts");
    if (!grid) return;
    grid.dataset.state = "error";
    var alert = document.getElementById("charts-error");
    if (!alert) {
      alert = document.createElement("div");
      alert.id = "charts-error";
      alert.className = "alert alert-error";
      grid.parentNode.insertBefore(alert, grid);
    }
    alert.textContent = message;
  }

  function loadCharts(root) {
    return fetch(root.dataset.metricsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.message || "The metrics could not be loaded.");
          return body;
        });
      })
      .then(function (data) { draw(root, data); })
      .catch(function (error) { showError(error.message || "The metrics could not be loaded."); });
  }

  // Re-render the whole tab (summary, cost, table) for the same range; the
  // swapped-in #monitor then draws its graphs again.
  function refresh() {
    var root = document.getElementById("monitor");
    if (!root || state.loading || !window.htmx) return;
    state.loading = true;
    state.token = null; // no change polling until the new graphs are drawn
    htmx.ajax("GET", root.dataset.tabUrl, { target: "#monitor", select: "#monitor", swap: "outerHTML" })
      .finally(function () { state.loading = false; });
  }

  function pollChanges() {
    var root = document.getElementById("monitor");
    if (!root || document.visibilityState !== "visible" || state.token === null) return;
    fetch(root.dataset.changesUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body && body.token !== state.token) refresh(); })
      .catch(function () { /* the next poll tries again */ });
  }

  function setAutoRefresh(seconds) {
    clearInterval(state.autoTimer);
    state.autoTimer = null;
    sessionStorage.setItem("labda-auto-refresh", String(seconds));
    if (seconds > 0) state.autoTimer = setInterval(refresh, seconds * 1000);
  }

  function init() {
    var root = document.getElementById("monitor");
    if (!root || root.dataset.ready) return;
    root.dataset.ready = "1";
    if (typeof Chart === "undefined") { showError("The chart library did not load."); return; }
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#5f6b7a";
    loadCharts(root);
    var refreshButton = document.getElementById("monitor-refresh");
    if (refreshButton) refreshButton.addEventListener("click", refresh);
    var auto = document.getElementById("auto-refresh");
    if (auto) {
      var saved = sessionStorage.getItem("labda-auto-refresh") || "0";
      auto.value = saved;
      if (!state.autoTimer && saved !== "0") setAutoRefresh(parseInt(saved, 10));
      auto.addEventListener("change", function () { setAutoRefresh(parseInt(auto.value, 10) || 0); });
    }
    if (!state.timer) state.timer = setInterval(pollChanges, CHANGE_POLL_MS);
  }

  // --- Live Tail: poll while running; keep the newest lines; follow the end.
  var TAIL_MAX_LINES = 5000;
  window.labdaTailRunning = true;

  function tailUpdated() {
    var lines = document.getElementById("tail-lines");
    if (!lines) return;
    var rows = lines.querySelectorAll(".log-row");
    for (var i = 0; i < rows.length - TAIL_MAX_LINES; i++) rows[i].remove();
    var count = lines.querySelectorAll(".log-row").length;
    var counter = document.getElementById("tail-count");
    if (counter) counter.textContent = String(count);
    var waiting = document.getElementById("tail-waiting");
    if (waiting) waiting.hidden = count > 0;
    var follow = document.getElementById("tail-follow");
    if (!follow || follow.checked) lines.scrollTop = lines.scrollHeight;
  }

  function tailButtons(event) {
    var id = event.target && event.target.id;
    if (id === "tail-stop" || id === "tail-start") {
      window.labdaTailRunning = id === "tail-start";
      document.getElementById("tail-start").hidden = window.labdaTailRunning;
      document.getElementById("tail-stop").hidden = !window.labdaTailRunning;
      var status = document.getElementById("tail-status");
      if (status) status.textContent = window.labdaTailRunning ? "Live Tail is running" : "Live Tail is stopped";
      status.className = window.labdaTailRunning ? "status status-running" : "status status-stopped";
    } else if (id === "tail-clear") {
      document.querySelectorAll("#tail-lines .log-row, #tail-lines .report-explain").forEach(function (row) { row.remove(); });
      tailUpdated();
    }
  }

  // The Live Tail poller asks every second, but only while Live Tail runs
  // (Stop / Start); a cancelled htmx:confirm issues no request at all.
  function tailPollGate(event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.matches && elt.matches("[data-tail-poll]") && !window.labdaTailRunning) event.preventDefault();
  }

  window.labdaMonitor = { refresh: refresh, state: state };
  document.addEventListener("htmx:afterSettle", function () { init(); tailUpdated(); });
  document.addEventListener("htmx:oobAfterSwap", tailUpdated);
  document.addEventListener("click", tailButtons);
  document.addEventListener("htmx:confirm", tailPollGate);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
