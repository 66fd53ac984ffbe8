// Cadastro: a form that reloads the page (Salvar cadastro, Cadastrar) disables its submit
// buttons once sent, so a second click does not send it again while the first is on its way.
// The server does not rely on this: the version and the one-time key refuse a second copy.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) return;
  if (event.defaultPrevented) return; // htmx handles its own requests (hx-disable)
  const buttons = document.querySelectorAll(
    `#${CSS.escape(form.id)} [type=submit], [type=submit][form="${form.id}"]`
  );
  // After the submit has picked up the clicked button's name and value.
  setTimeout(() => buttons.forEach((button) => { button.disabled = true; }), 0);
});
// Back to a page from the browser's cache: its buttons work again.
window.addEventListener("pageshow", () => {
  document.querySelectorAll("[data-submit-once] [type=submit], [type=submit][form]").forEach(
    (button) => { button.disabled = false; }
  );
});
