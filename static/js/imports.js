// Importar CSV: Confirmar importação runs in the request; while it does, show the progress
// element and keep the button from being pressed twice (the server would refuse the second
// press anyway: the file is gone once imported).
document.addEventListener("submit", (event) => {
  const form = event.target.closest(".import-confirm");
  if (!form) return;
  form.querySelectorAll(".import-progress").forEach((element) => { element.hidden = false; });
  form.querySelectorAll("button").forEach((button) => { button.disabled = true; });
});
