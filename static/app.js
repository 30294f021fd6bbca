// Progressive enhancement only: every page works without this file.
"use strict";

// ← and → follow the page's rel="prev" / rel="next" links (lesson pages), unless the user
// is typing or using a modifier (so browser shortcuts keep working).
document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || target.closest("input, textarea, select"))) return;
  const rel = event.key === "ArrowLeft" ? "prev" : event.key === "ArrowRight" ? "next" : null;
  if (!rel) return;
  const link = document.querySelector(`a[rel="${rel}"]`);
  if (link) {
    event.preventDefault();
    window.location.assign(link.href);
  }
});

// A note whose save never reached the server stays in its box; say so instead of failing
// silently. (Server-side refusals come back as a fragment with the text and the reason.)
document.addEventListener("htmx:sendError", (event) => {
  const form = event.target.closest && event.target.closest("#notes form");
  const status = form && form.querySelector("#note-status");
  if (status) status.textContent = "Not saved: the server could not be reached. Your text is still here; try again.";
});
