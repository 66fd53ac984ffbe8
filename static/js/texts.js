// The scripts' texts in the user's language: window.isocrmText("Nenhum resultado") looks
// the Portuguese up in the JSON base.html puts in <template id="js-texts"> (JS_TEXTS in
// isocrm/templating.py), read at the first use, and fills %(name)s from `values`; without
// the block (or the text) it answers the Portuguese itself. Loaded before the other scripts.
(() => {
  let texts = null;
  window.isocrmText = (text, values = {}) => {
    if (!texts) {
      try {
        texts = JSON.parse(document.getElementById("js-texts").content.textContent) || {};
      } catch (e) {
        texts = {};
      }
    }
    return (texts[text] || text).replace(/%\((\w+)\)s/g, (all, name) => (name in values ? String(values[name]) : all));
  };
})();
