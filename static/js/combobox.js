// The pickers (macros/combobox.html): one editable combobox with list autocomplete, after the
// WAI-ARIA APG combobox pattern. htmx asks the server for the matches of what is typed (the
// text goes as q, the listbox's id as listbox) and puts them into the listbox; this script
// opens and closes it and moves through it:
//   ↓/↑ move the active option (aria-activedescendant; the active one has aria-selected=true),
//   Enter picks the active option, or the only one listed; Enter never submits the form while
//     the list is open or the text is not a picked value (Ctrl+Enter still does, keys.js),
//   Esc closes the list; a second Esc brings back the text and value held before typing,
//   Tab leaves without picking anything new; a click on an option picks it;
//   Alt+↓ opens the list without choosing, Alt+↑ closes it (Home and End move in the text,
//     as the pattern has them for an editable combobox).
// Typing clears the chosen id (a half-typed name is never posted as a choice); an empty text
// clears it too. The hidden input posts the id and fires input/change when it changes, so the
// ticket screen's autosave keeps it. Every listener is on the document: the detail panel and
// the Relacionados section are swapped by htmx with their comboboxes inside.
(() => {
  // Texts in the user's language (static/js/texts.js, which may load after this one).
  const t = (text, values) => window.isocrmText(text, values);

  if (window.isocrmCombobox) return;
  window.isocrmCombobox = true;

  const INPUT = "input[data-combobox-input]";
  const states = new WeakMap();

  const partsOf = (input) => {
    const box = input.closest("[data-combobox]");
    return {
      hidden: box.querySelector("[data-combobox-value]"),
      list: document.getElementById(input.getAttribute("aria-controls")),
      count: box.querySelector(".combobox-count"),
    };
  };

  // What the combobox held before the attendant started typing: a second Esc returns to it.
  const stateOf = (input) => {
    let state = states.get(input);
    if (!state) {
      const { hidden } = partsOf(input);
      state = { text: input.value, value: hidden.value, dirty: false, listFor: null, wantsPick: false, arrive: null };
      states.set(input, state);
    }
    return state;
  };

  const optionsOf = (list) => [...list.querySelectorAll("[role=option]")];
  const isOpen = (input) => input.getAttribute("aria-expanded") === "true";
  const activeOf = (input) => {
    const id = input.getAttribute("aria-activedescendant");
    return id ? document.getElementById(id) : null;
  };

  const setActive = (input, option) => {
    const { list } = partsOf(input);
    for (const other of optionsOf(list)) other.setAttribute("aria-selected", "false");
    if (!option) {
      input.removeAttribute("aria-activedescendant");
      return;
    }
    option.setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  };

  const open = (input) => {
    const { list } = partsOf(input);
    if (!optionsOf(list).length) return close(input);
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  };

  const close = (input) => {
    const { list } = partsOf(input);
    setActive(input, null);
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
  };

  const setValue = (input, value) => {
    const { hidden } = partsOf(input);
    if (hidden.value === value) return;
    hidden.value = value;
    hidden.dispatchEvent(new Event("input", { bubbles: true }));
    hidden.dispatchEvent(new Event("change", { bubbles: true }));
  };

  const pick = (input, option) => {
    const state = stateOf(input);
    input.value = option.textContent.trim();
    setValue(input, option.dataset.value);
    Object.assign(state, { text: input.value, value: option.dataset.value, dirty: false, wantsPick: false, arrive: null });
    close(input);
    partsOf(input).count.textContent = t("%(value)s: escolhido.", { value: input.value });
  };

  const restore = (input) => {
    const state = stateOf(input);
    input.value = state.text;
    setValue(input, state.value);
    state.dirty = false;
    state.wantsPick = false;
    partsOf(input).count.textContent = "";
  };

  // Ask the server now for the matches of the text (the typing's own request waits 250 ms).
  const search = (input) => input.dispatchEvent(new CustomEvent("combobox:search"));

  // The list on screen answers the text in the box.
  const current = (input) => stateOf(input).listFor === input.value;

  const move = (input, step) => {
    const { list } = partsOf(input);
    const options = optionsOf(list);
    if (!isOpen(input) || !options.length) {
      if (current(input) && options.length) {
        open(input);
        setActive(input, step > 0 ? options[0] : options[options.length - 1]);
      } else {
        stateOf(input).arrive = step > 0 ? "first" : "last";
        search(input);
      }
      return;
    }
    const index = options.indexOf(activeOf(input));
    let next = index < 0 ? (step > 0 ? 0 : options.length - 1) : index + step;
    if (next >= options.length) next = 0;
    if (next < 0) next = options.length - 1;
    setActive(input, options[next]);
  };

  const enter = (input, event) => {
    const state = stateOf(input);
    const options = optionsOf(partsOf(input).list);
    const active = isOpen(input) ? activeOf(input) : null;
    if (active) {
      event.preventDefault();
      pick(input, active);
      return;
    }
    // A picked value, or an emptied box (nothing chosen, on purpose): Enter does what a
    // field's Enter does.
    if (!isOpen(input) && (!state.dirty || input.value.trim() === "")) return;
    event.preventDefault();
    if (current(input) && options.length === 1) pick(input, options[0]);
    else if (!current(input)) {
      state.wantsPick = true; // picked when the answer lists exactly one match
      search(input);
    }
  };

  document.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.matches(INPUT)) return;
    if (event.altKey && !event.ctrlKey && !event.metaKey && event.key === "ArrowDown") {
      event.preventDefault();
      if (current(input) && optionsOf(partsOf(input).list).length) open(input);
      else {
        stateOf(input).arrive = "none"; // open when the answer comes, nothing active
        search(input);
      }
      return;
    }
    if (event.altKey && !event.ctrlKey && !event.metaKey && event.key === "ArrowUp") {
      event.preventDefault();
      close(input);
      stateOf(input).wantsPick = false;
      return;
    }
    if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp":
        event.preventDefault();
        move(input, event.key === "ArrowDown" ? 1 : -1);
        break;
      case "Enter":
        enter(input, event);
        break;
      case "Escape":
        if (isOpen(input)) {
          event.preventDefault();
          close(input);
          stateOf(input).wantsPick = false;
        } else if (input.value !== stateOf(input).text || partsOf(input).hidden.value !== stateOf(input).value) {
          event.preventDefault();
          restore(input);
        }
        break;
      case "Tab":
        close(input);
        stateOf(input).wantsPick = false;
        break;
      default:
    }
  });

  document.addEventListener("input", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.matches(INPUT)) return;
    const state = stateOf(input);
    state.dirty = true;
    setActive(input, null); // the list is about to change
    setValue(input, ""); // nothing is chosen until an option is picked
    if (input.value.trim() === "") partsOf(input).count.textContent = "";
    // Typed back to a text the list already answers (after Esc, say): htmx asks nothing for
    // an unchanged text, so the list shows again from here.
    else if (current(input)) open(input);
  });

  // The request carries the text as q and the listbox's id (the prefix of the options' ids).
  document.addEventListener("htmx:config:request", (event) => {
    const ctx = event.detail && event.detail.ctx;
    const input = ctx && ctx.sourceElement;
    if (!(input instanceof HTMLInputElement) || !input.matches(INPUT) || !ctx.request.body) return;
    ctx.request.body.set("q", input.value);
    ctx.request.body.set("listbox", input.getAttribute("aria-controls"));
    ctx.comboboxText = input.value;
  });

  document.addEventListener("htmx:after:swap", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.matches(INPUT)) return;
    const ctx = event.detail && event.detail.ctx;
    const state = stateOf(input);
    const { list, count } = partsOf(input);
    state.listFor = ctx && typeof ctx.comboboxText === "string" ? ctx.comboboxText : input.value;
    const options = optionsOf(list);
    const answersText = state.listFor === input.value;
    // A late answer (the value was picked meanwhile, or the focus left) opens nothing.
    if (document.activeElement !== input || (!state.dirty && !state.arrive)) return close(input);
    if (answersText) {
      count.textContent =
        options.length === 0 ? (input.value.trim() ? t("Nenhum resultado") : "") : options.length === 1 ? t("1 resultado") : t("%(count)s resultados", { count: options.length });
    }
    if (state.wantsPick && answersText) {
      state.wantsPick = false;
      if (options.length === 1) return pick(input, options[0]);
    }
    open(input);
    if (state.arrive && state.arrive !== "none" && options.length) {
      setActive(input, state.arrive === "first" ? options[0] : options[options.length - 1]);
    }
    if (answersText) state.arrive = null;
  });

  // A click picks (mousedown keeps the focus in the box, on an option or the list's scrollbar).
  document.addEventListener("mousedown", (event) => {
    if (event.target instanceof Element && event.target.closest(".combobox-list")) event.preventDefault();
  });
  document.addEventListener("click", (event) => {
    const option = event.target instanceof Element && event.target.closest(".combobox-list [role=option]");
    if (!option) return;
    const input = document.querySelector(`${INPUT}[aria-controls="${option.parentElement.id}"]`);
    if (input) {
      pick(input, option);
      input.focus();
    }
  });

  // What the box holds when the focus arrives is what a second Esc comes back to.
  document.addEventListener("focusin", (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && input.matches(INPUT)) stateOf(input);
  });

  // Leaving the box closes the list and picks nothing.
  document.addEventListener("focusout", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.matches(INPUT)) return;
    close(input);
    const state = stateOf(input);
    state.wantsPick = false;
    state.arrive = null;
    // Typed text left without a pick: say so next to the box (its value is empty).
    if (state.dirty && input.value.trim()) partsOf(input).count.textContent = t("Nada escolhido da lista.");
  });
})();
