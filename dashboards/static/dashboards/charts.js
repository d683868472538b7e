// ParkTrack dashboards: draw every figure embedded in the page as JSON
// (<script type="application/json">) with the plotly.js served from our static files. No inline script,
// no network: the PNG download renders in the browser. Charts on the first screen (and the next one) are
// drawn at once; those further down when they are scrolled near (IntersectionObserver), or all of them
// before printing. When the first charts are drawn, <html> gets data-charts-rendered="true" and
// data-charts-rendered-ms (ms since navigation start: the first paint); when every chart is drawn,
// data-charts-all-rendered="true". data-charts-start-ms says when plotly.js was ready, so a benchmark
// can tell loading from drawing. Each drawn chart gets data-rendered="true".
(function () {
  "use strict";
  // When plotly.js has been fetched, parsed and run (this script runs right after it).
  document.documentElement.setAttribute("data-charts-start-ms", String(Math.round(performance.now())));
  var zh = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0;
  if (zh && window.Plotly) {
    Plotly.register({
      moduleType: "locale",
      name: "zh-CN",
      dictionary: {
        "Download plot as a PNG": "下载图表（PNG）", "Download plot": "下载图表", "Zoom": "缩放", "Pan": "平移",
        "Zoom in": "放大", "Zoom out": "缩小", "Autoscale": "自动缩放", "Reset axes": "重置坐标轴",
        "Toggle Spike Lines": "显示/隐藏辅助线", "Show closest data on hover": "悬停显示最近数据",
        "Compare data on hover": "悬停比较数据", "Double-click on legend to isolate one trace": "双击图例只显示该项"
      },
      format: { days: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"], decimal: ".", thousands: "," }
    });
  }
  var NARROW = 480; // px: below this a figure's layout.meta.narrow overrides apply (phones)
  function merge(target, source) {
    Object.keys(source).forEach(function (key) {
      var value = source[key];
      if (value && typeof value === "object" && !Array.isArray(value)) {
        if (!target[key] || typeof target[key] !== "object") { target[key] = {}; }
        merge(target[key], value);
      } else {
        target[key] = value;
      }
    });
    return target;
  }
  var nodes = Array.prototype.slice.call(document.querySelectorAll("[data-chart]"));
  var root = document.documentElement;
  var left = nodes.length;
  if (!left) { root.setAttribute("data-charts-all-rendered", "true"); }
  function draw(node) {
    if (node.getAttribute("data-drawing")) { return Promise.resolve(); }
    node.setAttribute("data-drawing", "true");
    var source = document.getElementById(node.getAttribute("data-chart"));
    var figure = JSON.parse(source.textContent);
    var meta = figure.layout.meta || {};
    if (node.clientWidth < NARROW) {
      if (meta.narrow) { merge(figure.layout, meta.narrow); }
      (meta.narrow_traces || []).forEach(function (patch, i) { if (figure.data[i]) { merge(figure.data[i], patch); } });
    }
    var config = {
      responsive: true,
      displaylogo: false,
      locale: zh ? "zh-CN" : "en",
      modeBarButtonsToRemove: ["select2d", "lasso2d"],
      toImageButtonOptions: { format: "png", filename: node.getAttribute("data-filename") || "chart", scale: 2 }
    };
    // Keep the figure's own height when the width changes (window resize, printing).
    if (figure.layout.height) { node.style.height = figure.layout.height + "px"; }
    return Plotly.newPlot(node, figure.data, figure.layout, config).then(function () {
      node.setAttribute("data-rendered", "true");
      left -= 1;
      if (left === 0) { root.setAttribute("data-charts-all-rendered", "true"); }
    });
  }
  var near = window.innerHeight * 2; // the first screen and the next one
  var lazy = "IntersectionObserver" in window;
  var first = [], later = [];
  nodes.forEach(function (node) {
    (!lazy || node.getBoundingClientRect().top < near ? first : later).push(node);
  });
  Promise.all(first.map(draw)).then(function () {
    root.setAttribute("data-charts-rendered-ms", String(Math.round(performance.now())));
    root.setAttribute("data-charts-rendered", "true");
  });
  if (later.length) {
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { observer.unobserve(entry.target); draw(entry.target); }
      });
    }, { rootMargin: "300px 0px" });
    later.forEach(function (node) { observer.observe(node); });
  }
  // Printing: draw what is left, redraw at the paper's width, and back afterwards.
  function resizeAll() {
    nodes.forEach(function (node) {
      if (node.getAttribute("data-rendered")) { Plotly.Plots.resize(node); } else { draw(node); }
    });
  }
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);
})();
