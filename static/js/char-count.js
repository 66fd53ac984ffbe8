// Textareas with data-max-chars: a live count under the field, so a long paste is seen at
// once (the server refuses an over-long text whole and keeps it; nothing is ever cut).
(() => {
  const format = (n) => n.toLocaleString("pt-BR");
  const update = (area) => {
    const out = document.getElementById(area.dataset.countTarget);
    if (!out) return;
    const max = Number(area.dataset.maxChars);
    const used = area.value.length;
    const over = used - max;
    out.textContent =
      over > 0
        ? `${format(used)} de ${format(max)} caracteres: ${format(over)} a mais, encurte antes de enviar.`
        : `${format(used)} de ${format(max)} caracteres.`;
    out.classList.toggle("over", over > 0);
  };
  document.addEventListener("input", (event) => {
    if (event.target.matches && event.target.matches("textarea[data-max-chars]")) {
      update(event.target);
    }
  });
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("textarea[data-max-chars]").forEach(update);
  });
})();
