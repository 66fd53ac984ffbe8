// Textareas with data-max-chars: a live count under the field, so a long paste is seen at
// once (the server refuses an over-long text whole and keeps it; nothing is ever cut).
(() => {
  // Texts in the user's language (static/js/texts.js, which may load after this one).
  const t = (text, values) => window.isocrmText(text, values);

  const format = (n) => n.toLocaleString("pt-BR");
  const update = (area) => {
    const out = document.getElementById(area.dataset.countTarget);
    if (!out) return;
    const max = Number(area.dataset.maxChars);
    const used = area.value.length;
    const over = used - max;
    out.textContent =
      over > 0
        ? t("%(used)s de %(max)s caracteres: %(over)s a mais, encurte antes de enviar.", {
            used: format(used),
            max: format(max),
            over: format(over),
          })
        : t("%(used)s de %(max)s caracteres.", { used: format(used), max: format(max) });
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
