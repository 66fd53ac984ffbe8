// Forms marked data-submit-once: a second click while the first submit is on its way does
// nothing, and the button says so. The server is safe on its own (each such form carries a
// key that is used once); this only spares the attendant a second wait.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) return;
  if (form.dataset.submitting === "1") {
    event.preventDefault();
    return;
  }
  form.dataset.submitting = "1";
  form.setAttribute("aria-busy", "true");
  const clicked = event.submitter;
  // Disabled after this event, so the clicked button's own name=value is still sent.
  setTimeout(() => {
    for (const button of form.querySelectorAll("button[type=submit], button:not([type])")) {
      button.disabled = true;
      if (button === clicked && button.dataset.busyLabel) {
        button.dataset.idleLabel = button.innerHTML;
        button.textContent = button.dataset.busyLabel;
      }
    }
  }, 0);
});

// Back to a page kept in the browser's cache: its forms can be used again.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  for (const form of document.querySelectorAll("form[data-submit-once]")) {
    delete form.dataset.submitting;
    form.removeAttribute("aria-busy");
    for (const button of form.querySelectorAll("button")) {
      button.disabled = false;
      if (button.dataset.idleLabel) button.innerHTML = button.dataset.idleLabel;
    }
  }
});
