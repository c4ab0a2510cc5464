// Labda console behaviour: the code editor (CodeMirror 5, vendored) with its
// file tree, unsaved buffers (static/js/buffers.js), Deploy (also Ctrl+S),
// "Deploy and test", and the JSON editor of the test event. Everything else
// is htmx.
(function () {
  "use strict";
  var buffers = window.labdaBuffers;

  function modeFor(name) {
    if (/\.py$/.test(name)) return "python";
    if (/\.(m|c)?js$/.test(name)) return "javascript";
    if (/\.json$/.test(name)) return { name: "javascript", json: true };
    if (name === "bootstrap" || /\.sh$/.test(name)) return "shell";
    return "text/plain";
  }

  function byId(id) { return document.getElementById(id); }

  // Screen readers hear what htmx swaps in through one polite live region.
  function announce(text) {
    var region = byId("announcer");
    if (!region || !text) return;
    region.textContent = "";
    setTimeout(function () { region.textContent = text; }, 50);
  }

  // Keyboard: Tab indents, as in any code editor; Esc then Tab (or
  // Shift+Tab) leaves the editor, so it is no keyboard trap (WCAG 2.1.2).
  function editorOptions(label, extra) {
    var escaped = false;
    var keys = {
      Tab: function (cm) {
        if (cm.somethingSelected()) cm.indentSelection("add");
        else cm.replaceSelection(Array(cm.getOption("indentUnit") + 1).join(" "), "end");
      },
      "Shift-Tab": function (cm) { cm.indentSelection("subtract"); },
      Esc: function () { escaped = true; },
    };
    Object.assign(keys, extra || {});
    var options = {
      lineNumbers: true, matchBrackets: true, autoCloseBrackets: true,
      // contenteditable: what screen readers read best, and focusable code.
      inputStyle: "contenteditable", screenReaderLabel: label,
      extraKeys: {
        call: function (key) {
          if (escaped && (key === "Tab" || key === "Shift-Tab")) { escaped = false; return false; }
          if (key !== "Esc" && !/(^|-)(Shift|Ctrl|Alt|Cmd)$/.test(key)) escaped = false; // not on a modifier alone
          return keys[key];
        },
      },
    };
    return options;
  }

  function describe(cm, id) {
    var input = cm.getInputField();
    input.setAttribute("aria-describedby", id);
    input.setAttribute("aria-multiline", "true");
    input.setAttribute("role", "textbox");
  }

  // --- Code tab
  var labdaCode = {
    files: {}, saved: {}, docs: {}, current: null, cm: null, fnId: null, sha: null,
    stale: null, sending: null, pendingTest: null, timer: null, persisted: true,
    filesJson: function () {
      if (this.current && this.cm) this.files[this.current] = this.cm.getValue();
      return JSON.stringify(this.files);
    },
  };
  window.labdaCode = labdaCode;

  function isDirty() {
    return Object.keys(labdaCode.files).some(function (n) { return labdaCode.files[n] !== labdaCode.saved[n]; }) ||
      Object.keys(labdaCode.saved).some(function (n) { return !(n in labdaCode.files); });
  }
  labdaCode.isDirty = isDirty;

  function qualifierIsLatest() {
    var q = byId("id_qualifier");
    return !q || q.value === "$LATEST";
  }

  // With undeployed changes a Test first deploys them (for $LATEST).
  function updateTestButtons() {
    var label = labdaCode.cm && isDirty() && qualifierIsLatest() ? "Deploy and test" : "Test";
    document.querySelectorAll("[data-test-after-deploy]").forEach(function (b) { b.textContent = label; });
  }

  function persist() {
    clearTimeout(labdaCode.timer);
    labdaCode.timer = null;
    if (!labdaCode.cm) return;
    if (labdaCode.current) labdaCode.files[labdaCode.current] = labdaCode.cm.getValue();
    labdaCode.persisted = buffers.save(labdaCode.fnId, labdaCode.sha, labdaCode.files, labdaCode.saved);
    try { sessionStorage.setItem("labda.current." + labdaCode.fnId, labdaCode.current || ""); } catch (e) { /* off */ }
  }

  function renderTree() {
    var tree = byId("file-tree");
    tree.innerHTML = "";
    Object.keys(labdaCode.files).sort().forEach(function (name) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      var changed = labdaCode.files[name] !== labdaCode.saved[name];
      li.dataset.file = name;
      button.type = "button";
      button.className = "file-item";
      button.textContent = name;
      if (changed) {
        li.classList.add("dirty");
        var note = document.createElement("span");
        note.className = "sr-only";
        note.textContent = " (not deployed)";
        button.appendChild(note);
      }
      if (name === labdaCode.current) { li.classList.add("active"); button.setAttribute("aria-current", "true"); }
      li.appendChild(button);
      tree.appendChild(li);
    });
    byId("unsaved").hidden = !isDirty();
    updateTestButtons();
  }

  function openFile(name) {
    if (labdaCode.current && labdaCode.current in labdaCode.files) labdaCode.files[labdaCode.current] = labdaCode.cm.getValue();
    labdaCode.current = name;
    if (!labdaCode.docs[name]) labdaCode.docs[name] = CodeMirror.Doc(labdaCode.files[name] || "", modeFor(name));
    labdaCode.cm.swapDoc(labdaCode.docs[name]);
    labdaCode.cm.setOption("readOnly", labdaCode.files[name] === null);
    labdaCode.cm.setOption("screenReaderLabel", "Code of " + name);
    byId("editor-filename").textContent = name;
    renderTree();
  }

  function applyBuffers(set) {
    Object.keys(set).forEach(function (name) {
      if (set[name].text === null) delete labdaCode.files[name];
      else labdaCode.files[name] = set[name].text;
      delete labdaCode.docs[name];
    });
    var keep = labdaCode.current in labdaCode.files ? labdaCode.current : Object.keys(labdaCode.files).sort()[0];
    labdaCode.current = null;
    if (keep) openFile(keep); else renderTree();
  }

  function notice(text, canRestore) {
    byId("buffer-notice-text").textContent = text;
    byId("buffer-restore").hidden = !canRestore;
    byId("buffer-notice").hidden = false;
  }

  // Edits kept for this deployed code come back by themselves; edits made on
  // code deployed since are offered, never put back silently.
  function restoreBuffers() {
    var kept = buffers.load(labdaCode.fnId);
    var mine = kept[labdaCode.sha];
    delete kept[labdaCode.sha];
    var older = Object.keys(kept).map(function (sha) { return kept[sha]; });
    if (mine) {
      applyBuffers(mine);
      notice("Restored your changes from " + new Date(buffers.newest(mine)).toLocaleString() +
        " that are not deployed yet (" + Object.keys(mine).sort().join(", ") + ").", false);
    } else if (older.length) {
      labdaCode.stale = Object.assign.apply(null, [{}].concat(older));
      notice("You have unsaved changes from " + new Date(buffers.newest(labdaCode.stale)).toLocaleString() +
        " (" + Object.keys(labdaCode.stale).sort().join(", ") + "), made before the code was deployed again. Restore them over the deployed code, or discard them?", true);
    }
  }

  function initCodeEditor() {
    var area = byId("code-editor");
    if (!area || area.dataset.ready) return;
    area.dataset.ready = "1";
    var source = byId("code-source");
    labdaCode.fnId = source.dataset.functionId;
    labdaCode.sha = source.dataset.codeSha256;
    labdaCode.files = JSON.parse(byId("files-data").textContent);
    labdaCode.saved = Object.assign({}, labdaCode.files);
    labdaCode.docs = {};
    labdaCode.current = null;
    labdaCode.cm = CodeMirror.fromTextArea(area, Object.assign(editorOptions("Code", {
      "Ctrl-S": deploy, "Cmd-S": deploy,
    }), { indentUnit: 4 }));
    describe(labdaCode.cm, "editor-keys");
    labdaCode.cm.on("change", function () {
      if (labdaCode.current) labdaCode.files[labdaCode.current] = labdaCode.cm.getValue();
      renderTree();
      clearTimeout(labdaCode.timer);
      labdaCode.timer = setTimeout(persist, 250);
    });
    var remembered = null;
    try { remembered = sessionStorage.getItem("labda.current." + labdaCode.fnId); } catch (e) { /* off */ }
    var first = byId("current-file").value || Object.keys(labdaCode.files)[0];
    if (first) openFile(first); else renderTree();
    restoreBuffers();
    if (remembered && remembered in labdaCode.files && remembered !== labdaCode.current) openFile(remembered);
  }

  function deploy() {
    var button = byId("deploy");
    if (button && !button.classList.contains("htmx-request")) htmx.trigger(button, "click");
  }

  document.addEventListener("click", function (e) {
    var target = e.target.closest ? e.target : null;
    if (!target || !labdaCode.cm) return;
    var item = target.closest("#file-tree li[data-file]");
    if (item) { openFile(item.dataset.file); return; }
    if (target.closest("#new-file")) {
      var name = prompt("New file name (for example utils.py):");
      if (!name) return;
      if (name in labdaCode.files) { alert("A file named " + name + " already exists."); return; }
      labdaCode.files[name] = "";
      openFile(name);
      persist();
    } else if (target.closest("#rename-file")) {
      var old = labdaCode.current; if (!old) return;
      var renamed = prompt("Rename " + old + " to:", old);
      if (!renamed || renamed === old) return;
      if (renamed in labdaCode.files) { alert("A file named " + renamed + " already exists."); return; }
      labdaCode.files[renamed] = labdaCode.cm.getValue();
      delete labdaCode.files[old]; delete labdaCode.docs[old];
      labdaCode.current = null;
      openFile(renamed);
      persist();
    } else if (target.closest("#delete-file")) {
      var gone = labdaCode.current; if (!gone) return;
      if (!confirm("Delete " + gone + "? The file is removed from the function when you deploy.")) return;
      delete labdaCode.files[gone]; delete labdaCode.docs[gone];
      labdaCode.current = null;
      var next = Object.keys(labdaCode.files).sort()[0];
      if (next) openFile(next); else { labdaCode.cm.setValue(""); renderTree(); }
      persist();
    } else if (target.closest("#buffer-restore")) {
      applyBuffers(labdaCode.stale || {});
      buffers.clear(labdaCode.fnId);
      labdaCode.stale = null;
      persist();
      byId("buffer-notice").hidden = true;
      announce("Your unsaved changes are back in the editor.");
    } else if (target.closest("#buffer-discard")) {
      buffers.clear(labdaCode.fnId);
      if (!labdaCode.stale) {
        labdaCode.files = Object.assign({}, labdaCode.saved);
        labdaCode.docs = {};
        applyBuffers({});
      }
      labdaCode.stale = null;
      byId("buffer-notice").hidden = true;
      announce("Unsaved changes discarded.");
    } else if (target.closest(".tabs a[role=tab]")) {
      // Another tab of this function: the edits are kept (localStorage).
      persist();
      labdaCode.leavingForTab = labdaCode.persisted;
    }
  });

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented) return; // the editor's own Ctrl-S
    if ((e.ctrlKey || e.metaKey) && !e.altKey && (e.key === "s" || e.key === "S") && byId("deploy")) {
      e.preventDefault();
      deploy();
    }
  });

  // Leaving with undeployed changes asks first; switching to another tab of
  // the function does not (the edits come back from localStorage).
  window.addEventListener("beforeunload", function (e) {
    if (!labdaCode.cm) return;
    persist();
    if (isDirty() && !(labdaCode.leavingForTab && labdaCode.persisted)) {
      e.preventDefault();
      e.returnValue = "";
    }
    labdaCode.leavingForTab = false;
  });

  document.addEventListener("change", function (e) {
    if (e.target && e.target.id === "id_qualifier") updateTestButtons();
  });

  // Test with undeployed changes: deploy them, then run the Test that was asked for.
  document.addEventListener("htmx:confirm", function (e) {
    var elt = e.detail.elt;
    if (!elt.matches("[data-test-after-deploy]") || !labdaCode.cm || !isDirty() || !qualifierIsLatest()) return;
    e.preventDefault();
    labdaCode.pendingTest = function () { e.detail.issueRequest(true); };
    deploy();
  });

  // Deploy sends the editor's files (all of them, as JSON) as "files".
  document.addEventListener("htmx:configRequest", function (e) {
    var elt = e.detail.elt;
    if (elt && elt.matches && elt.matches("[data-deploy-files]")) {
      e.detail.parameters.files = labdaCode.filesJson();
      labdaCode.sending = Object.assign({}, labdaCode.files);
    }
  });

  document.addEventListener("htmx:afterRequest", function (e) {
    var elt = e.detail.elt;
    if (elt && elt.matches && elt.matches("[data-deploy-files]") && !e.detail.successful) labdaCode.pendingTest = null;
  });

  // A Test starts: its result is announced even when it reads as the last one did.
  var lastResult = "";
  document.addEventListener("htmx:beforeRequest", function (e) {
    if (e.detail.elt && e.detail.elt.matches && e.detail.elt.matches("#test-button, #code-test-button")) lastResult = "";
  });

  // After settling (htmx restores swapped elements' attributes while it
  // settles). A swapped-in element has no data-seen yet.
  document.addEventListener("htmx:afterSettle", function () {
    var status = byId("deploy-status");
    if (status && !status.dataset.seen) {
      status.dataset.seen = "1";
      announce(status.textContent.trim());
      if (status.dataset.deployed === "1") deployed(status);
      else labdaCode.pendingTest = null;
    }
    var result = byId("execution-result");
    var heading = result && result.querySelector("h3");
    var said = heading ? heading.textContent.replace(/\s+/g, " ").trim() : "";
    if (said && said !== lastResult) {
      lastResult = said;
      announce(said);
      result.scrollIntoView({ block: "nearest" });
    }
    initEventEditor();
    updateTestButtons();
  });

  // The files sent are now the deployed code, under its new SHA-256; a
  // "Deploy and test" goes on to the Test.
  function deployed(status) {
    status.dataset.deployed = "";
    if (!labdaCode.cm) return;
    buffers.clear(labdaCode.fnId);
    labdaCode.saved = labdaCode.sending || Object.assign({}, labdaCode.files);
    labdaCode.sha = status.dataset.codeSha256;
    byId("code-source").dataset.codeSha256 = labdaCode.sha;
    var shown = byId("code-sha256");
    if (shown) shown.textContent = labdaCode.sha;
    byId("buffer-notice").hidden = true;
    renderTree();
    persist();
    var run = labdaCode.pendingTest;
    labdaCode.pendingTest = null;
    if (run) run();
  }

  // --- Test tab: the event JSON gets a JSON editor.
  function initEventEditor() {
    var area = byId("event-json");
    if (!area || area.dataset.ready) return;
    area.dataset.ready = "1";
    var cm = CodeMirror.fromTextArea(area, Object.assign(editorOptions("Event JSON"), {
      mode: { name: "javascript", json: true }, indentUnit: 2,
    }));
    describe(cm, "event-keys");
    // htmx reads the textarea: keep it in step with the editor.
    cm.on("change", function () { cm.save(); });
  }

  // The Test tab says when the Code tab holds edits that are not deployed.
  function showUndeployedNotice() {
    var box = byId("undeployed-notice");
    if (box) box.hidden = !buffers.load(box.dataset.functionId)[box.dataset.codeSha256];
  }

  document.addEventListener("DOMContentLoaded", function () {
    initCodeEditor();
    initEventEditor();
    showUndeployedNotice();
  });
})();
