// Unsaved editor buffers in localStorage, so that an edit survives a tab
// switch, a reload or a closed window until it is deployed or discarded.
//
// One key per function, deployed code and file:
//   labda.buffer.<function id>.<code SHA-256>.<path> = {"text": ..., "time": ms}
// ("text": null means the file was deleted). The SHA-256 (base64, never a
// ".") is the deployed code the edit was made on: when the code has been
// deployed again since (from elsewhere, or a newer revision), the edit is not
// put back silently; the Code tab asks to restore or discard it.
(function () {
  "use strict";

  function prefix(fnId) { return "labda.buffer." + fnId + "."; }

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function keysOf(fnId) {
    var store = storage(), keys = [], p = prefix(fnId);
    if (!store) return keys;
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(p) === 0) keys.push(key);
    }
    return keys;
  }

  function read(key) {
    try { return JSON.parse(storage().getItem(key)); } catch (e) { return null; }
  }

  window.labdaBuffers = {
    // Store the files that differ from the deployed ones; drop the rest.
    // Returns false when the browser refused (storage off or full).
    save: function (fnId, sha, files, saved) {
      var store = storage();
      if (!store) return false;
      var p = prefix(fnId) + sha + ".", keep = {}, now = Date.now();
      try {
        Object.keys(files).concat(Object.keys(saved)).forEach(function (name) {
          var text = name in files ? files[name] : null;
          if (text === (name in saved ? saved[name] : undefined)) return;
          keep[p + name] = true;
          var old = read(p + name);
          if (!old || old.text !== text) store.setItem(p + name, JSON.stringify({ text: text, time: now }));
        });
        keysOf(fnId).forEach(function (key) {
          if (key.indexOf(p) === 0 && !keep[key]) store.removeItem(key);
        });
        return true;
      } catch (e) {
        return false;
      }
    },

    // {sha: {path: {text, time}}} of every buffer kept for the function.
    load: function (fnId) {
      var out = {}, p = prefix(fnId);
      keysOf(fnId).forEach(function (key) {
        var rest = key.slice(p.length), dot = rest.indexOf(".");
        var value = read(key);
        if (dot < 0 || !value) return;
        var sha = rest.slice(0, dot);
        (out[sha] = out[sha] || {})[rest.slice(dot + 1)] = value;
      });
      return out;
    },

    clear: function (fnId, sha) {
      var store = storage();
      var p = prefix(fnId) + (sha ? sha + "." : "");
      keysOf(fnId).forEach(function (key) { if (key.indexOf(p) === 0) store.removeItem(key); });
    },

    // The newest edit time of a set of buffers, for "unsaved changes from <time>".
    newest: function (buffers) {
      return Object.keys(buffers).reduce(function (t, name) { return Math.max(t, buffers[name].time || 0); }, 0);
    },
  };
})();
