// Dialogs over the ticket (Cadastro simplificado, Alertas) arrive by htmx as a closed
// <dialog class="registry-dialog">; they open here with showModal(), so the page behind is
// inert, Esc closes them, and the focus starts inside. When one closes (Fechar, Esc) or is
// swapped away (a save that ends it), the focus goes back to the icon that opened it
// (data-opener, a selector: the icon may have been replaced meanwhile, as the Alertas icon
// is after an alert changes).
(() => {
  const FIELD =
    "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";

  const returnFocus = (selector) => {
    const opener = selector && document.querySelector(selector);
    if (opener) opener.focus();
  };

  document.addEventListener(
    "close",
    (event) => {
      const dialog = event.target;
      if (dialog instanceof HTMLDialogElement && dialog.matches(".registry-dialog")) {
        returnFocus(dialog.dataset.opener);
      }
    },
    true
  );

  // A dialog replaced by its own next state (a save with errors, an alert added) opens
  // again as it was; one removed for good gives the focus back to its icon.
  let openers = [];
  document.addEventListener("htmx:before:swap", () => {
    openers = [...document.querySelectorAll(".registry-dialog[open]")].map((d) => d.dataset.opener);
  });

  const openNew = () => {
    const fresh = [...document.querySelectorAll(".registry-dialog:not([open]):not([data-shown])")];
    for (const dialog of fresh) {
      dialog.dataset.shown = "yes";
      dialog.showModal();
      const field =
        dialog.querySelector("[aria-invalid='true']") ||
        dialog.querySelector(FIELD) ||
        dialog.querySelector("button");
      if (field) field.focus();
    }
    if (!fresh.length && !document.querySelector(".registry-dialog[open]")) {
      for (const selector of openers) returnFocus(selector);
    }
    openers = [];
  };
  document.addEventListener("htmx:after:settle", openNew);
  document.addEventListener("DOMContentLoaded", openNew);
})();
