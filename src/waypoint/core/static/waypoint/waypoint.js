// Waypoint's own behaviour: small, and nothing a page needs to work without JavaScript.
"use strict";

// After a form is sent back with errors, move focus to the summary so that keyboard and
// screen-reader users hear what to correct (WCAG 2.2 3.3.1).
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
