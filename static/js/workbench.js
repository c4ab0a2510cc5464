// Labda workbench behaviour, without inline scripts (the pages run under a
// strict Content-Security-Policy). Delegated from `document`, so content
// that htmx swaps in works too.
//
//   <time datetime="2024-03-10T23:59:58Z" data-local>   a UTC time: shown in the
//        browser's time zone, with the UTC value in its title (as the AWS
//        console's time-zone setting does); data-local="ms" keeps milliseconds,
//        data-local="time" shows the time of day only
//   #deploy-status [data-error-file][data-error-line]    a Deploy refused for a
//        syntax error: the code editor opens that file and marks that line
//   input[name=blueprint] + details#preview-NAME          choosing a blueprint
//        opens its code preview
(function () {
  "use strict";
  if (window.labdaWorkbench) return; // loaded once per page
  window.labdaWorkbench = true;

  function pad(n, width) { return String(n).padStart(width || 2, "0"); }

  function localText(date, format) {
    var time = pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds());
    if (format === "time") return time;
    var text = date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + " " + time;
    return format === "ms" ? text + "." + pad(date.getMilliseconds(), 3) : text;
  }

  function localTimes(root) {
    var times = root.querySelectorAll ? root.querySelectorAll("time[data-local]") : [];
    Array.prototype.forEach.call(times, function (el) {
      if (el.dataset.utc) return;
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date.getTime())) return;
      el.dataset.utc = el.textContent;
      el.title = el.textContent.trim(); // "2024-03-10 23:59:58 UTC"
      el.textContent = localText(date, el.dataset.local);
    });
  }

  var marked = null;
  function markDeployError() {
    var code = window.labdaCode;
    var status = document.getElementById("deploy-status");
    if (!code || !code.cm || !status || status.dataset.marked) return;
    status.dataset.marked = "1"; // each Deploy answer once (console.js keeps its own "seen")
    if (marked) { marked.doc.removeLineClass(marked.handle, "background", "cm-error-line"); marked = null; }
    var error = document.querySelector("#deploy-status [data-error-line]");
    if (!error) return;
    var file = error.dataset.errorFile, line = parseInt(error.dataset.errorLine, 10) - 1;
    var item = document.querySelector('#file-tree li[data-file="' + CSS.escape(file) + '"]');
    if (item && code.current !== file) item.click();
    var doc = code.cm.getDoc();
    line = Math.max(0, Math.min(line, doc.lineCount() - 1));
    marked = { doc: doc, handle: doc.addLineClass(line, "background", "cm-error-line") };
    doc.setCursor({ line: line, ch: 0 });
    code.cm.scrollIntoView({ line: line, ch: 0 }, 80);
  }

  // Create function: choosing a blueprint opens its code preview.
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input || !input.matches || !input.matches("input[name=blueprint]")) return;
    Array.prototype.forEach.call(document.querySelectorAll("details.blueprint-code"), function (d) {
      d.open = d.id === "preview-" + input.value;
    });
  });

  document.addEventListener("htmx:load", function (e) { localTimes(e.target); });
  document.addEventListener("htmx:afterSettle", function () {
    localTimes(document);
    markDeployError();
  });
  document.addEventListener("DOMContentLoaded", function () { localTimes(document); });
})();
