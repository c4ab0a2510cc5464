// Labda page behaviour that used to live in inline on*="..." attributes, so
// that the pages run under a Content-Security-Policy without 'unsafe-inline'.
// Templates mark elements with data attributes; the listeners below are
// delegated from `document`, so content swapped in by htmx works as well.
//
//   <form data-confirm="Text">          submit only after confirm("Text")
//   <form data-no-submit>               never submits (htmx reads its fields)
//   <button data-confirm-selected="Delete {names}? ..."
//           data-selection="CSS selector of the checked boxes"
//           data-selection-empty="Alert when nothing is selected">
//                                       a submit button that needs a selection;
//                                       {names} = the boxes' data-name, ", "-joined
//   <button data-remove-row>            removes its table row
//   <button data-add-row>               appends the <template> row of its
//                                       <section> to that section's <tbody>
//   <button data-print>                 prints the page (login cards)
//   <form method="post" data-keep-enabled>
//                                       stays enabled on a read-only page
//   <input type="radio" data-option-switch>
//                                       reloads the page with ?option=<value>,
//                                       keeping the form's name, runtime, handler
//   <input type="file" data-max-bytes="N" data-too-large="Text {size}">
//                                       refuses a file over N bytes before it
//                                       is sent (the server refuses it too)
(function () {
  "use strict";
  if (window.labdaCommon) return; // loaded once per page
  window.labdaCommon = true;

  function closest(event, selector) {
    var target = event.target;
    return target && target.closest ? target.closest(selector) : null;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.matches) return;
    if (form.matches("[data-no-submit]")) {
      event.preventDefault();
    } else if (form.matches("[data-confirm]") && !confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var button = closest(event, "[data-confirm-selected]");
    if (button) {
      var names = Array.prototype.map.call(
        document.querySelectorAll(button.dataset.selection),
        function (box) { return box.dataset.name; }
      );
      if (!names.length) {
        alert(button.dataset.selectionEmpty);
        event.preventDefault();
      } else if (!confirm(button.dataset.confirmSelected.replace("{names}", function () { return names.join(", "); }))) {
        event.preventDefault();
      }
      return;
    }
    button = closest(event, "[data-print]");
    if (button) {
      window.print();
      return;
    }
    button = closest(event, "[data-remove-row]");
    if (button) {
      var row = button.closest("tr");
      if (row) row.remove();
      return;
    }
    button = closest(event, "[data-add-row]");
    if (button) {
      var section = button.closest("section");
      section.querySelector("tbody").appendChild(section.querySelector("template").content.cloneNode(true));
    }
  });

  // Another user's work, read only (the banner of base.html): the controls
  // that would change it are disabled. The server refuses them anyway (403);
  // this only says so before a click. Forms marked data-keep-enabled (Sign
  // out, Copy to my functions) change only the viewer's own things.
  var CHANGERS = "form[method=post]:not([data-keep-enabled]) button, form[hx-post] button, button[hx-post], button[form]";
  function markReadOnly(root) {
    if (!document.getElementById("view-as-banner") || !root.querySelectorAll) return;
    root.querySelectorAll(CHANGERS).forEach(function (control) {
      control.disabled = true;
      control.title = "Read only: this is another user's work";
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { markReadOnly(document); });
  } else {
    markReadOnly(document);
  }
  document.addEventListener("htmx:afterSettle", function (event) { markReadOnly(event.target); });

  document.addEventListener("change", function (event) {
    var input = closest(event, "input[data-option-switch]");
    if (input) {
      // Keep what was typed (name, runtime, handler) across the reload.
      var params = new URLSearchParams({ option: input.value });
      ["name", "runtime", "handler"].forEach(function (field) {
        var element = input.form && input.form.elements.namedItem(field);
        if (element && element.value) params.set(field, element.value);
      });
      location.search = "?" + params.toString();
      return;
    }
    var file = closest(event, "input[type=file][data-max-bytes]");
    if (file) {
      var chosen = file.files && file.files[0];
      var tooLarge = chosen && chosen.size > Number(file.dataset.maxBytes);
      file.setCustomValidity(tooLarge ? file.dataset.tooLarge.replace("{size}", chosen.size.toLocaleString("en-US")) : "");
      if (tooLarge) file.reportValidity();
    }
  });
})();
