// The keyboard on every page: where the focus starts, where it lands after an htmx swap,
// the shortcuts, ↑/↓ through a list of results, and the help overlay ("?").
//
// A shortcut is declared where its action is, with the standard aria-keyshortcuts attribute
// ("Alt+N", "Control+Enter", "/"): pressing it clicks the element (or focuses it, for a
// field), and the help overlay lists it with the element's name. A shortcut without Control
// or Alt never fires while the attendant types in a field.
(() => {
  // Texts in the user's language (static/js/texts.js, which may load after this one).
  const t = (text, values) => window.isocrmText(text, values);

  const TYPING = "input, select, textarea, [contenteditable]";
  const KEY_NAMES = { Control: "Ctrl", PageUp: "Page Up", PageDown: "Page Down", ArrowUp: "↑", ArrowDown: "↓" };

  // A select types only letters and digits (it jumps to the option): "/" and "?" still work.
  // A checkbox, a radio or a button types nothing: a screen reader often leaves the focus on
  // one (the painel's row checkboxes), and "/" must still reach the search.
  const NOT_TEXT = new Set(["checkbox", "radio", "button", "submit", "reset", "image", "file", "range", "color"]);
  const isTyping = (el, event) => {
    if (!(el instanceof HTMLElement)) return false;
    if (el instanceof HTMLSelectElement) return /^[\p{L}\p{N} ]$/u.test(event.key);
    if (el instanceof HTMLInputElement && NOT_TEXT.has(el.type)) return false;
    return Boolean(el.closest(TYPING));
  };
  const ownerForm = (el) => (el instanceof Element ? el.form || el.closest("form") : null);
  const shown = (el) => el.getClientRects().length > 0 && !el.closest("[inert], [hidden]");
  const usable = (el) =>
    shown(el) && !el.disabled && el.getAttribute("aria-disabled") !== "true";

  // The part of the page the keys act on: an open modal dialog shuts out the rest.
  const scope = () => {
    const modal = [...document.querySelectorAll("dialog[open]")].find((d) => d.matches(":modal"));
    return modal || document;
  };

  const matches = (event, shortcut) => {
    const parts = shortcut.split("+");
    const key = parts.pop();
    const mods = new Set(parts.map((p) => p.toLowerCase()));
    if (event.ctrlKey !== mods.has("control") || event.altKey !== mods.has("alt")) return false;
    if (event.metaKey !== mods.has("meta")) return false;
    if (key.length === 1 && /[a-z]/i.test(key)) {
      if (event.shiftKey !== mods.has("shift")) return false;
      // event.code: Alt+N types another character on some layouts (macOS).
      return event.key.toLowerCase() === key.toLowerCase() || event.code === "Key" + key.toUpperCase();
    }
    return event.key === key || (key === "Space" && event.key === " ");
  };

  const focusField = (el, { select = false } = {}) => {
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "center", behavior: "instant" });
    if (select && typeof el.select === "function") el.select();
  };

  // Once a form is sent (not by htmx) the page is leaving; back to it, it is usable again.
  let leaving = false;
  window.addEventListener("submit", (event) => {
    if (!event.defaultPrevented) leaving = true;
  });
  window.addEventListener("pageshow", () => {
    leaving = false;
  });

  // A shortcut that swaps content in (Novo detalhe, ‹ ›) takes the focus into it, wherever
  // the focus was (the page title, a field outside the panel).
  let focusInto = false;
  const activate = (el) => {
    if (el.matches(TYPING)) return focusField(el, { select: el.matches("input") });
    if (el.matches("[data-hx-get], [data-hx-post]")) focusInto = true;
    el.click();
  };

  document.addEventListener("keydown", (event) => {
    // A key held down repeats: one Incluir, not one per repeat.
    if (event.defaultPrevented || event.isComposing || event.repeat) return;
    const plain = !event.ctrlKey && !event.altKey && !event.metaKey;
    if (plain && isTyping(event.target, event)) return;
    if (leaving) {
      // The form is on its way: a second Ctrl+Enter would only send it again.
      if (!plain || event.key === "Enter") event.preventDefault();
      return;
    }
    const here = ownerForm(event.target);
    for (const el of scope().querySelectorAll("[aria-keyshortcuts]")) {
      if (!usable(el)) continue;
      // Ctrl+Enter in the search box searches: another form's button is not this form's.
      if (here && el.type === "submit" && el.form && el.form !== here) continue;
      if (el.getAttribute("aria-keyshortcuts").split(" ").some((s) => matches(event, s))) {
        event.preventDefault();
        activate(el);
        return;
      }
    }
    // Ctrl+Enter anywhere in a form sends it, as its first submit button would.
    if (event.key === "Enter" && event.ctrlKey && !event.altKey && event.target instanceof Element) {
      const form = event.target.closest("form") || event.target.form;
      if (form && form.method !== "dialog") {
        event.preventDefault();
        form.requestSubmit();
      }
    }
  });

  // ↑/↓ through a list of results: from the box that filters it (data-rows-from on the box,
  // naming the list) to the first row, then row by row; Enter follows the row's link.
  const rowTargets = (list) =>
    [...list.querySelectorAll("tbody tr")]
      .map((row) => row.querySelector("a[href], [tabindex='0']"))
      .filter(Boolean);

  document.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    if (event.ctrlKey || event.altKey || event.metaKey || event.shiftKey) return;
    const here = event.target;
    if (!(here instanceof Element)) return;
    if (here.matches("[data-rows-from]")) {
      const list = document.querySelector(here.dataset.rowsFrom);
      const targets = list ? rowTargets(list) : [];
      if (event.key === "ArrowDown" && targets.length) {
        event.preventDefault();
        focusField(targets[0]);
      }
      return;
    }
    const list = here.closest("[data-rows]");
    if (!list) return;
    const targets = rowTargets(list);
    const row = here.closest("tr");
    const index = targets.findIndex((t) => t.closest("tr") === row);
    if (index < 0) return;
    event.preventDefault();
    const next = index + (event.key === "ArrowDown" ? 1 : -1);
    if (next >= 0 && next < targets.length) focusField(targets[next]);
    else if (next < 0) {
      const box = document.querySelector(`[data-rows-from="#${list.id}"]`);
      if (box) focusField(box);
    }
  });

  // Where the focus starts: the first field with an error (scrolled into view), else the
  // element the page marks (data-initial-focus: a search box, the first field of a new
  // ticket), else the page's title, so a screen reader reads it, Tab goes on into the page
  // and the one-key shortcuts work (a text field would swallow them).
  const landFocus = (within, { fallback = true } = {}) => {
    const invalid = within.querySelector("[aria-invalid='true']");
    if (invalid && usable(invalid)) return focusField(invalid), true;
    const marked = within.querySelector("[data-initial-focus], [autofocus]");
    if (marked && usable(marked)) return focusField(marked), true;
    if (!fallback) return false;
    const title = document.querySelector("main h1");
    if (!title) return false;
    if (!title.hasAttribute("tabindex")) title.setAttribute("tabindex", "-1");
    title.focus({ preventScroll: true });
    return true;
  };

  document.addEventListener("DOMContentLoaded", () => {
    const active = document.activeElement;
    if (active && active !== document.body && !document.querySelector("[aria-invalid='true']")) return;
    landFocus(document);
  });

  // After an htmx swap the element that had the focus may be gone. The focus then goes to
  // the element of the same id in the new content (a pager's ‹ ›), else to the first field
  // with an error, else to the field the new content marks; never left on <body>.
  let focusedId = null;
  document.addEventListener("htmx:before:swap", () => {
    const active = document.activeElement;
    focusedId = active && active !== document.body ? active.id || null : null;
  });
  document.addEventListener("htmx:after:settle", (event) => {
    const target = (event.detail && event.detail.ctx && event.detail.ctx.target) || event.target;
    const active = document.activeElement;
    const lost = !active || active === document.body || !active.isConnected;
    // An outerHTML swap leaves the old target detached: its successor has the same id.
    const replaced = target instanceof Element && target.id ? document.getElementById(target.id) : null;
    const area = replaced || (target instanceof Element && target.isConnected ? target : null);
    const moveIn = lost || focusInto;
    focusInto = false;
    if (area && area.querySelector("[aria-invalid='true']")) {
      if (moveIn || area.contains(active)) landFocus(area, { fallback: false });
      return;
    }
    if (!moveIn) return;
    // A new detail's first field; else the element of the same id (‹ after ‹); else what the
    // new content offers to hold the focus (the pager's "Detalhe 1 de 3").
    if (area && landFocus(area, { fallback: false })) return;
    const same = focusedId && document.getElementById(focusedId);
    if (same && usable(same)) return same.focus();
    const fallback = area && area.querySelector("[data-focus-fallback]");
    if (fallback) fallback.focus();
  });

  // The help overlay: the shortcuts of this page, read from the page itself.
  const describe = (el) => {
    // What the element is called on screen; the tooltip, which repeats the key, last.
    const name =
      el.dataset.shortcutLabel ||
      el.getAttribute("aria-label") ||
      (el.labels && el.labels[0] && el.labels[0].textContent) ||
      el.textContent.trim() ||
      el.getAttribute("title") ||
      "";
    return name.replace(/\s+/g, " ").trim();
  };
  const keyText = (shortcut) =>
    shortcut
      .split("+")
      .map((part) => KEY_NAMES[part] || (part.length === 1 ? part.toUpperCase() : part))
      .join(" + ");

  document.addEventListener("click", (event) => {
    const opener = event.target instanceof Element && event.target.closest("[data-shortcut-help]");
    if (!opener) return;
    const dialog = document.getElementById("shortcut-help");
    const list = dialog && dialog.querySelector("[data-page-shortcuts]");
    if (!list) return;
    list.replaceChildren();
    const seen = new Set();
    for (const el of document.querySelectorAll("[aria-keyshortcuts]")) {
      if (!usable(el) || dialog.contains(el)) continue;
      const keys = el
        .getAttribute("aria-keyshortcuts")
        .split(" ")
        .map(keyText)
        .reduce((first, second) => t("%(first)s ou %(second)s", { first, second }));
      const name = describe(el);
      if (seen.has(keys)) continue;
      seen.add(keys);
      const row = document.createElement("div");
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      const kbd = document.createElement("kbd");
      kbd.textContent = keys;
      dt.append(kbd);
      dd.textContent = name;
      row.append(dt, dd);
      list.append(row);
    }
    dialog.showModal();
  });

  // What an htmx swap changes is said to a screen reader through one region that stays on
  // the page (a live region swapped in with its content is often not read): the new
  // content's messages (.flash[role=status]) and what it marks with data-announce (a
  // result count; the attribute's value, if any, is said instead of the text). A
  // data-announce-key says it only when it differs from the last time (the painel's counts,
  // polled every few seconds).
  const ANNOUNCE = "[data-announce], .flash[role='status']";
  const lastSaid = new Map();
  // Under a modal dialog the page is inert, its region unheard: the dialog gets its own.
  const regionFor = () => {
    const modal = scope();
    if (modal === document) return document.getElementById("announcer");
    let region = modal.querySelector("[data-announcer]");
    if (!region) {
      region = document.createElement("div");
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      region.setAttribute("aria-atomic", "true");
      region.dataset.announcer = "";
      modal.append(region);
    }
    return region;
  };
  // The region is chosen a moment later, once a dialog that came with the swap is open.
  // What was said is taken out of the region a few seconds later: text left in a live
  // region is read again, as new, when a closed modal gives the page back to the
  // accessibility tree (Orca did so with a ticket's "confirmado").
  const SAID_FOR = 8000;
  const announce = (text, { delay = 0 } = {}) => {
    if (!text) return;
    setTimeout(() => {
      const region = regionFor();
      if (!region) return;
      region.textContent = "";
      setTimeout(() => {
        region.textContent = text;
        setTimeout(() => {
          if (region.textContent === text) region.textContent = "";
        }, SAID_FOR);
      }, 50);
    }, delay);
  };
  window.isocrmAnnounce = announce;

  // A new page says its messages (the flashes) and what it marks with
  // data-announce-on-load (the search's result counts) once, after the screen reader has
  // had a moment to take the page in; the rest is in the page for anyone who reads on.
  const ON_LOAD_DELAY = 700;
  document.addEventListener("DOMContentLoaded", () => {
    for (const el of document.querySelectorAll(ANNOUNCE)) {
      el.dataset.announced = "yes";
      if (el.dataset.announceKey) lastSaid.set(el.dataset.announceKey, el.dataset.announce || el.textContent);
    }
    const said = [...document.querySelectorAll("[data-announce-on-load]")]
      .map((el) => (el.dataset.announceOnLoad || el.textContent).replace(/\s+/g, " ").trim())
      .filter(Boolean);
    if (said.length) announce(said.join(" "), { delay: ON_LOAD_DELAY });
  });
  document.addEventListener("htmx:after:settle", () => {
    const said = [];
    for (const el of document.querySelectorAll(ANNOUNCE)) {
      if (el.dataset.announced) continue;
      el.dataset.announced = "yes";
      const text = (el.dataset.announce || el.textContent).replace(/\s+/g, " ").trim();
      const key = el.dataset.announceKey;
      if (key) {
        if (lastSaid.get(key) === text) continue;
        lastSaid.set(key, text);
      }
      if (text) said.push(text);
    }
    if (said.length) announce(said.join(" "));
  });

  // The account menu under the user's name closes with Esc or a click elsewhere.
  const closeMenus = (except) => {
    for (const menu of document.querySelectorAll("details.user-menu[open]")) {
      if (menu !== except) menu.open = false;
    }
  };
  document.addEventListener("click", (event) => {
    closeMenus(event.target instanceof Element ? event.target.closest("details.user-menu") : null);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const menu = document.querySelector("details.user-menu[open]");
    if (!menu) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });
})();
