// Labda console behaviour: the code editor (CodeMirror 5, vendored) with its
// file tree, and the JSON editor of the Test tab. Everything else is htmx.
(function () {
  "use strict";

  function modeFor(name) {
    if (/\.py$/.test(name)) return "python";
    if (/\.(m|c)?js$/.test(name)) return "javascript";
    if (/\.json$/.test(name)) return { name: "javascript", json: true };
    if (name === "bootstrap" || /\.sh$/.test(name)) return "shell";
    return "text/plain";
  }

  // --- Code tab
  var labdaCode = {
    files: {}, saved: {}, docs: {}, current: null, cm: null,
    filesJson: function () {
      if (this.current && this.cm) this.files[this.current] = this.cm.getValue();
      return JSON.stringify(this.files);
    },
  };
  window.labdaCode = labdaCode;

  function renderTree() {
    var tree = document.getElementById("file-tree");
    tree.innerHTML = "";
    Object.keys(labdaCode.files).sort().forEach(function (name) {
      var li = document.createElement("li");
      li.textContent = name;
      li.dataset.file = name;
      if (name === labdaCode.current) li.className = "active";
      if (labdaCode.files[name] !== labdaCode.saved[name]) li.classList.add("dirty");
      li.addEventListener("click", function () { openFile(name); });
      tree.appendChild(li);
    });
    var dirty = Object.keys(labdaCode.files).some(function (n) { return labdaCode.files[n] !== labdaCode.saved[n]; }) ||
      Object.keys(labdaCode.saved).some(function (n) { return !(n in labdaCode.files); });
    document.getElementById("unsaved").hidden = !dirty;
  }

  function openFile(name) {
    if (labdaCode.current) labdaCode.files[labdaCode.current] = labdaCode.cm.getValue();
    labdaCode.current = name;
    if (!labdaCode.docs[name]) labdaCode.docs[name] = CodeMirror.Doc(labdaCode.files[name] || "", modeFor(name));
    labdaCode.cm.swapDoc(labdaCode.docs[name]);
    labdaCode.cm.setOption("readOnly", labdaCode.files[name] === null);
    document.getElementById("editor-filename").textContent = name;
    renderTree();
  }

  function initCodeEditor() {
    var area = document.getElementById("code-editor");
    if (!area || area.dataset.ready) return;
    area.dataset.ready = "1";
    labdaCode.files = JSON.parse(document.getElementById("files-data").textContent);
    labdaCode.saved = Object.assign({}, labdaCode.files);
    labdaCode.docs = {};
    labdaCode.current = null;
    labdaCode.cm = CodeMirror.fromTextArea(area, { lineNumbers: true, indentUnit: 4, matchBrackets: true, autoCloseBrackets: true });
    labdaCode.cm.on("change", function () {
      if (labdaCode.current) labdaCode.files[labdaCode.current] = labdaCode.cm.getValue();
      renderTree();
    });
    var first = document.getElementById("current-file").value || Object.keys(labdaCode.files)[0];
    if (first) openFile(first); else renderTree();
    document.getElementById("new-file").addEventListener("click", function () {
      var name = prompt("New file name (for example utils.py):");
      if (!name) return;
      if (name in labdaCode.files) { alert("A file named " + name + " already exists."); return; }
      labdaCode.files[name] = "";
      openFile(name);
    });
    document.getElementById("rename-file").addEventListener("click", function () {
      var old = labdaCode.current; if (!old) return;
      var name = prompt("Rename " + old + " to:", old);
      if (!name || name === old) return;
      if (name in labdaCode.files) { alert("A file named " + name + " already exists."); return; }
      labdaCode.files[name] = labdaCode.cm.getValue();
      delete labdaCode.files[old]; delete labdaCode.docs[old];
      labdaCode.current = null;
      openFile(name);
    });
    document.getElementById("delete-file").addEventListener("click", function () {
      var name = labdaCode.current; if (!name) return;
      if (!confirm("Delete " + name + "? The file is removed from the function when you deploy.")) return;
      delete labdaCode.files[name]; delete labdaCode.docs[name];
      labdaCode.current = null;
      var next = Object.keys(labdaCode.files).sort()[0];
      if (next) openFile(next); else { labdaCode.cm.setValue(""); renderTree(); }
    });
  }

  // Deploy sends the editor's files (all of them, as JSON) as "files".
  document.addEventListener("htmx:configRequest", function (e) {
    var elt = e.detail.elt;
    if (elt && elt.matches && elt.matches("[data-deploy-files]")) e.detail.parameters.files = labdaCode.filesJson();
  });

  // A successful deploy makes the editor's files the saved ones. (After
  // settling: htmx restores swapped elements' attributes while it settles.)
  document.addEventListener("htmx:afterSettle", function (e) {
    var status = document.getElementById("deploy-status");
    if (status && status.dataset.deployed === "1") {
      status.dataset.deployed = "";
      labdaCode.saved = Object.assign({}, labdaCode.files);
      renderTree();
    }
    initEventEditor();
  });

  // --- Test tab: the event JSON gets a JSON editor.
  function initEventEditor() {
    var area = document.getElementById("event-json");
    if (!area || area.dataset.ready) return;
    area.dataset.ready = "1";
    var cm = CodeMirror.fromTextArea(area, { lineNumbers: true, mode: { name: "javascript", json: true }, matchBrackets: true, autoCloseBrackets: true });
    // htmx reads the textarea: keep it in step with the editor.
    cm.on("change", function () { cm.save(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initCodeEditor();
    initEventEditor();
  });
})();
