// Dialogs over the ticket (Cadastro simplificado, Alertas): Escape closes them as Fechar does,
// and closing gives the focus back to the icon that opened them (data-opener, a selector: the
// icon may have been replaced meanwhile, e.g. the Alertas icon after an alert change). When
// one opens, the focus moves into it. Loaded with the dialog itself, so only once.
(() => {
  if (window.isocrmDialogs) return;
  window.isocrmDialogs = true;

  const OPEN = "dialog.registry-dialog[open]";
  const FIELD =
    "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";

  const returnFocus = (dialog) => {
    const selector = dialog.dataset.opener;
    const opener = selector && document.querySelector(selector);
    if (opener) opener.focus();
  };

  // A dialog closed by Fechar (form method=dialog), by Escape or by code: "close" does not
  // bubble, so it is caught on the way down.
  document.addEventListener(
    "close",
    (event) => {
      const dialog = event.target;
      if (dialog instanceof HTMLDialogElement && dialog.matches(".registry-dialog")) {
        returnFocus(dialog);
      }
    },
    true
  );

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    const open = [...document.querySelectorAll(OPEN)];
    if (!open.length) return;
    const dialog = open.find((d) => d.contains(document.activeElement)) || open[open.length - 1];
    event.preventDefault();
    dialog.close();
  });

  // A dialog just swapped in takes the focus, so Tab starts inside it.
  const focusNew = () => {
    const dialog = [...document.querySelectorAll(OPEN)].find(
      (d) => !d.dataset.focused && !d.contains(document.activeElement)
    );
    if (!dialog) return;
    dialog.dataset.focused = "yes";
    const field = dialog.querySelector(FIELD) || dialog.querySelector("button");
    if (field) field.focus();
  };
  document.addEventListener("htmx:after:settle", focusNew);
  focusNew(); // this script arrived with the first dialog
})();
