// Show only the fields that apply to the kind of client chosen (the server validates anyway).
(function () {
  "use strict";
  function update(form) {
    var checked = form.querySelector('input[name="kind"]:checked');
    var kind = checked ? checked.value : "";
    form.querySelectorAll("[data-client-kind]").forEach(function (input) {
      var wrapper = input.closest(".mb-3") || input.parentElement;
      // A field with an error stays visible, so that the error can be seen and corrected.
      var invalid = wrapper.querySelector(".is-invalid") !== null;
      wrapper.hidden = !invalid && kind !== "" && input.getAttribute("data-client-kind") !== kind;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-client-form]");
    if (!form) return;
    form.addEventListener("change", function (event) {
      if (event.target.name === "kind") update(form);
    });
    update(form);
  });
})();
