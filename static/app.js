// Progressive enhancement only: every page works without this file.
"use strict";

// Whether the key press belongs to what has focus: typing, or scrolling a box that is wider
// than the screen (a code block or a table the reader moves through with the arrow keys).
function keysBelongToFocus(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.closest("input, textarea, select")) return true;
  for (let box = target; box && box !== document.body; box = box.parentElement) {
    const overflow = getComputedStyle(box).overflowX;
    if ((overflow === "auto" || overflow === "scroll") && box.scrollWidth > box.clientWidth) return true;
  }
  return false;
}

// ← and → follow the page's rel="prev" / rel="next" links (lesson pages), unless the keys
// belong to what has focus or a modifier is held (so browser shortcuts keep working).
document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const rel = event.key === "ArrowLeft" ? "prev" : event.key === "ArrowRight" ? "next" : null;
  if (!rel || keysBelongToFocus(event.target)) return;
  const link = document.querySelector(`a[rel="${rel}"]`);
  if (link) {
    event.preventDefault();
    window.location.assign(link.href);
  }
});

// After htmx swaps in a fragment, the focused button may be gone. A fragment names what should
// take focus next (data-focus) and what a screen reader should hear (data-announce), which goes
// into the page's one polite live region, present from the first paint so it is announced.
document.addEventListener("htmx:afterSettle", (event) => {
  const root = event.detail.elt;
  if (!(root instanceof Element)) return;
  const find = (attribute) => root.matches(`[${attribute}]`) ? root : root.querySelector(`[${attribute}]`);
  const announce = find("data-announce");
  const announcer = document.getElementById("announcer");
  if (announce && announcer) {
    announcer.textContent = "";
    // A change of text, a moment later, is what screen readers reliably speak.
    window.setTimeout(() => { announcer.textContent = announce.dataset.announce; }, 50);
  }
  const focus = find("data-focus");
  if (focus instanceof HTMLElement) focus.focus({ preventScroll: focus.dataset.focus !== "scroll" });
});

// A note whose save never reached the server stays in its box; say so instead of failing
// silently. (Server-side refusals come back as a fragment with the text and the reason.)
document.addEventListener("htmx:sendError", (event) => {
  const form = event.target.closest && event.target.closest("#notes form");
  const status = form && form.querySelector("#note-status");
  if (status) status.textContent = "Not saved: the server could not be reached. Your text is still here; try again.";
});

// Passkeys (WebAuthn): the server's options in, the browser's credential out, both as JSON
// (the WebAuthn Level 3 JSON forms). Without this script, or in a browser without passkeys,
// the passkey buttons stay hidden and every other way in still works.
const passkeysWork = typeof PublicKeyCredential !== "undefined"
  && typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function";

function csrfToken() {
  const headers = document.body.dataset.hxHeaders;
  return headers ? JSON.parse(headers)["X-CSRF-Token"] : "";
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const answer = await response.json().catch(() => ({ error: "The server's answer was not understood." }));
  if (!response.ok) throw new Error(answer.error || "Something went wrong. Try again.");
  return answer;
}

function showPasskeyError(form, message) {
  const output = form.querySelector("[data-passkey-error]");
  output.textContent = message;
  output.hidden = false;
}

// A browser's own refusal (the user cancelled, or no passkey was chosen) in plain words.
function ceremonyMessage(error) {
  if (error.name === "NotAllowedError") return "No passkey was used. Try again when you are ready.";
  if (error.name === "InvalidStateError") return "This device already holds a passkey for your account.";
  return error.message;
}

if (passkeysWork) {
  for (const note of document.querySelectorAll("[data-passkey-fallback]")) note.hidden = true;
}

for (const form of document.querySelectorAll("form[data-passkey-register]")) {
  if (!passkeysWork) continue;
  form.hidden = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const options = await postJson("/settings/passkeys/options");
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey);
      const credential = await navigator.credentials.create({ publicKey });
      const name = form.querySelector("input[name=name]").value;
      const done = await postJson("/settings/passkeys", { name, credential: credential.toJSON() });
      window.location.assign(done.redirect);
    } catch (error) {
      showPasskeyError(form, ceremonyMessage(error));
    }
  });
}

// Signing in with a passkey alone (/login/passkey) or as the second factor after a password
// (/login/second-factor/passkey): the form's action takes the answer, its /options the request.
for (const form of document.querySelectorAll("form[data-passkey-login]")) {
  if (!passkeysWork) continue;
  form.hidden = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const action = form.getAttribute("action");
    try {
      const options = await postJson(`${action}/options`);
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey);
      const credential = await navigator.credentials.get({ publicKey });
      const next = form.querySelector("input[name=next]").value;
      const done = await postJson(action, { credential: credential.toJSON(), next });
      window.location.assign(done.redirect);
    } catch (error) {
      showPasskeyError(form, ceremonyMessage(error));
    }
  });
}
