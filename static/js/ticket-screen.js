// The ticket screen keeps what the attendant types: a moment after each change the whole
// form is posted to the autosave endpoint (nothing on screen is swapped, so the cursor never
// moves), and the server shows it again after a closed tab, a crash or a new login.
// Leaving with edits that are not confirmed asks first; so does paging away from a detail
// with unsaved changes.
(() => {
  // Texts in the user's language (static/js/texts.js, which may load after this one).
  const t = (text, values) => window.isocrmText(text, values);

  const AUTOSAVE_DELAY_MS = 700;

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("ticket-form");
    if (!form || !form.dataset.autosaveUrl) return;
    const status = document.getElementById("autosave-status");
    const isDraft = form.dataset.draft === "true";
    let unconfirmed = form.dataset.restored === "true"; // edits not confirmed yet
    let detailChanged = false; // edits in the detail panel since it was shown
    let pending = null; // timer of the next autosave
    let leaving = false; // a submit or a link that keeps the edits is under way

    // Shown beside Confirmar; only a failure is said to a screen reader (a "guardado às"
    // after every pause in typing would talk over the attendant).
    const say = (text, isError) => {
      if (!status) return;
      status.textContent = text;
      status.classList.toggle("error", Boolean(isError));
      if (isError && window.isocrmAnnounce) window.isocrmAnnounce(text);
    };

    // Enter in a one-line field (a date just typed, a contact searched) does not confirm the
    // whole ticket: Confirmar is its button, or Ctrl+Enter.
    form.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.target instanceof HTMLInputElement) event.preventDefault();
    });

    const belongsToForm = (el) =>
      el && el.form === form && el.name && el.name !== "q" && !el.hasAttribute("data-no-autosave");

    const save = async () => {
      pending = null;
      const body = new FormData(form);
      try {
        const response = await fetch(form.dataset.autosaveUrl, {
          method: "POST",
          body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": body.get("csrf_token") || "" },
        });
        if (response.ok) {
          const data = await response.json();
          if (data.unchanged) {
            unconfirmed = false; // the screen is back to what is saved
            say(isDraft ? "" : t("Sem alterações pendentes."));
          } else {
            say(t(isDraft ? "Rascunho guardado às %(time)s" : "Alterações guardadas (não confirmadas) às %(time)s", { time: data.saved_at }));
          }
        } else if (response.status === 401 || response.status === 400) {
          say(t("Sua sessão terminou. Entre de novo em outra aba e clique em Confirmar: o que foi guardado até agora não se perde."), true);
        } else {
          let message = t("Não foi possível guardar o rascunho agora.");
          try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
          say(message, true);
        }
      } catch (e) {
        say(t("Sem conexão com o servidor: o rascunho será guardado quando ela voltar."), true);
        schedule();
      }
    };

    const schedule = () => {
      if (pending) clearTimeout(pending);
      pending = setTimeout(save, AUTOSAVE_DELAY_MS);
    };

    const flushWithBeacon = () => {
      if (!pending) return;
      clearTimeout(pending);
      pending = null;
      navigator.sendBeacon(form.dataset.autosaveUrl, new FormData(form));
    };

    const changed = (event) => {
      const el = event.target;
      if (!belongsToForm(el)) return;
      unconfirmed = true;
      if (el.closest("#detail-panel")) detailChanged = true;
      schedule();
    };
    document.addEventListener("input", changed);
    document.addEventListener("change", changed);

    // A closed tab or a crash: whatever is still waiting goes out now.
    window.addEventListener("pagehide", flushWithBeacon);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") flushWithBeacon();
    });

    window.addEventListener("beforeunload", (event) => {
      if (leaving || !unconfirmed) return;
      flushWithBeacon();
      event.preventDefault();
      event.returnValue = "";
    });

    document.addEventListener("submit", (event) => {
      const target = event.target;
      if (target.dataset.confirm && !window.confirm(target.dataset.confirm)) {
        event.preventDefault();
        return;
      }
      if (target === form || target.id === "discard-changes-form" || target.id === "discard-draft-form") {
        leaving = true;
        // The submit carries what is typed: an autosave after it would only come back as
        // "not confirmed" (Ctrl+Enter right after typing).
        if (pending) { clearTimeout(pending); pending = null; }
      }
    });

    // Links that leave the screen but keep the edits (Enviar e-mail uses what is on screen).
    document.addEventListener("click", async (event) => {
      const link = event.target.closest("a[data-keeps-edits]");
      if (!link) return;
      event.preventDefault();
      if (pending) { clearTimeout(pending); await save(); }
      leaving = true;
      window.location.href = link.href;
    });

    // Paging away from a detail with unsaved changes asks first (capture: before htmx).
    document.addEventListener("click", (event) => {
      const link = event.target.closest("[data-leaves-detail]");
      if (!link || !detailChanged) return;
      const message = t("Este detalhe tem alterações que não foram salvas. Sair dele e descartá-las?");
      if (!window.confirm(message)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    }, true);

    const panelSwapped = (event) => {
      const target = event.detail && (event.detail.target || (event.detail.ctx && event.detail.ctx.target));
      if (target && target.id !== "detail-panel" && !(target.closest && target.closest("#detail-panel"))) return;
      if (target && target.closest && target.closest("[data-combobox]")) return; // a picker's list
      detailChanged = false;
      if (unconfirmed) schedule(); // the kept copy follows what is on screen now
    };
    document.addEventListener("htmx:after:swap", panelSwapped);
    document.addEventListener("htmx:afterSwap", panelSwapped);
  });
})();
