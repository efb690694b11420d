// "Copy" beside the client's agreement link: the link stays selectable without JavaScript.
document.querySelectorAll("[data-copy-target]").forEach(function (button) {
  var input = document.getElementById(button.getAttribute("data-copy-target"));
  var status = document.querySelector("[data-copy-status]");
  if (!input || !navigator.clipboard) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(input.value).then(function () {
      if (status) { status.textContent = "Link copied."; }
    });
  });
});
