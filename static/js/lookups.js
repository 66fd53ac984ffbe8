// CEP and CNPJ lookups (isocrm/registry/lookup_views.py): htmx puts what the server found into
// the slot next to the field (.lookup-slot, data-address-prefix = the id prefix of the address
// fields it fills); this fills the form from the answer's data-fill-* values.
// A CEP fills the fields that are empty or still hold what an earlier lookup put there; a
// field the attendant typed is kept, and "Usar este endereço" replaces it on request. A CNPJ
// fills nothing until "Usar estes dados" is clicked, and says first what it would replace.
// Loaded by the registry pages and by the Cadastro simplificado dialog: only once.
(() => {
  // Texts in the user's language (static/js/texts.js, which may load after this one).
  const t = (text, values) => window.isocrmText(text, values);

  if (window.isocrmLookups) return;
  window.isocrmLookups = true;

  const FIELDS = {
    cep: ["street", "district", "city", "state"],
    cnpj: ["name", "trade_name", "zip_code", "street", "number", "complement", "district", "city", "state"],
  };
  const ADDRESS = new Set(["zip_code", "street", "number", "complement", "district", "city", "state"]);

  const valueOf = (result, name) => result.getAttribute(`data-fill-${name.replace(/_/g, "-")}`);

  const target = (slot, name) => {
    const prefix = ADDRESS.has(name) ? slot.dataset.addressPrefix : slot.dataset.prefix;
    if (prefix === undefined) return null; // this page has no address fields to fill
    return document.getElementById(prefix + name);
  };

  const labelOf = (field) => {
    const label = field.labels && field.labels[0];
    return label ? label.textContent.trim() : field.name;
  };

  // The pairs (field, value) this answer fills; a value the page cannot take is skipped.
  const pairs = (slot, result) =>
    FIELDS[result.dataset.lookupResult]
      .map((name) => [target(slot, name), valueOf(result, name)])
      .filter(([field, value]) => field && value !== null && value !== "")
      .filter(([field, value]) =>
        field.tagName !== "SELECT" || [...field.options].some((o) => o.value === value));

  // Typed by the attendant: neither empty nor what a lookup put there.
  const typed = (field) => field.value.trim() !== "" && field.dataset.lookupValue !== field.value;

  const fill = (list) => {
    for (const [field, value] of list) {
      field.value = value;
      field.dataset.lookupValue = field.value;
    }
  };

  const show = (result, selector, visible = true) => {
    const element = result.querySelector(selector);
    if (element) element.hidden = !visible;
  };

  const applyCep = (slot, result) => {
    const list = pairs(slot, result).filter(([field, value]) => field.value !== value);
    const kept = list.filter(([field]) => typed(field));
    fill(list.filter(([field]) => !typed(field)));
    show(result, "[data-lookup-filled]", kept.length === 0);
    show(result, "[data-lookup-kept]", kept.length > 0);
  };

  const offerCnpj = (slot, result) => {
    const replaced = pairs(slot, result)
      .filter(([field, value]) => typed(field) && field.value !== value)
      .map(([field]) => labelOf(field));
    const note = result.querySelector("[data-lookup-replaces]");
    if (note && replaced.length) {
      note.textContent = t("Substitui o que está preenchido em: %(fields)s.", { fields: replaced.join(", ") });
      note.hidden = false;
    }
  };

  const applyAll = () => {
    for (const result of document.querySelectorAll("[data-lookup-result]:not([data-lookup-seen])")) {
      result.dataset.lookupSeen = "yes";
      const slot = result.closest(".lookup-slot");
      if (!slot) continue;
      if (result.dataset.lookupResult === "cep") applyCep(slot, result);
      else offerCnpj(slot, result);
    }
  };

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-lookup-use]");
    if (!button) return;
    const result = button.closest("[data-lookup-result]");
    const slot = result && result.closest(".lookup-slot");
    if (!slot) return;
    const list = pairs(slot, result);
    fill(list);
    // A CNPJ's data: the entity is a pessoa jurídica (Cadastrar, Cadastro completo).
    if (result.dataset.lookupResult === "cnpj") {
      const company = document.querySelector(`input[name="${slot.dataset.prefix}kind"][value="PJ"]`);
      if (company) company.checked = true;
    }
    // The address goes into "Adicionar endereço" on the Cadastro completo: open it.
    for (const [field] of list) {
      const details = field.closest("details");
      if (details) details.open = true;
    }
    show(result, "[data-lookup-kept]", false);
    show(result, "[data-lookup-replaces]", false);
    show(result, "[data-lookup-filled]", true);
    button.hidden = true;
  });

  document.addEventListener("htmx:after:settle", applyAll);
  applyAll();
})();
