// Respostas prontas on the ticket screen (templates/tickets/_ready_answers.html): the button,
// Ctrl+Espaço (keys.js clicks the button from its aria-keyshortcuts) or "//" typed in
// Resposta opens the picker, a combobox that combobox.js drives; its pick (the hidden value's
// change) asks the server for the answer filled for this ticket and puts it in Resposta
// where the cursor was ("//" replaced), then the focus goes back to Resposta. Esc in the
// picker with its list closed goes back too. Every listener is on the document: the detail
// panel is swapped by htmx with the picker inside.
(() => {
  const t = (text, values) => window.isocrmText(text, values);
  let caret = null; // [start, end] of the selection in Resposta when the picker opened
  // Set by Enter or a click in the picker: only a pick inserts (combobox.js's second Esc
  // also changes the hidden value back to an earlier pick, which must insert nothing).
  let picking = false;
  let left = null; // Resposta's selection when the focus last left it

  document.addEventListener("focusout", (event) => {
    const field = event.target;
    if (field instanceof HTMLTextAreaElement && field.id === "answer") left = [field.selectionStart, field.selectionEnd];
  });
  // A new detail panel (htmx): a new Resposta, nothing remembered of the old one.
  document.addEventListener("htmx:after:swap", (event) => {
    const target = event.target;
    if (target instanceof Element && target.id === "detail-panel") left = null;
  });

  const answerField = () => document.getElementById("answer");
  const picker = () => document.getElementById("ready-answer-picker");
  const opener = () => document.getElementById("ready-answers-open");

  const openPicker = () => {
    const box = picker();
    const field = answerField();
    if (!box || !field) return;
    if (caret === null) {
      // From Resposta: its cursor; from elsewhere (the button): where Resposta's cursor was
      // when it was left, or its end.
      const end = field.value.length;
      caret = document.activeElement === field ? [field.selectionStart, field.selectionEnd] : left || [end, end];
    }
    picking = false;
    box.hidden = false;
    opener().setAttribute("aria-expanded", "true");
    const input = document.getElementById("ready-answer");
    input.value = "";
    document.getElementById("ready-answer-value").value = "";
    input.focus();
    // As ↓ in the box: ask for the list and open it on its first answer.
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
  };

  const closePicker = (backToAnswer) => {
    const box = picker();
    if (box) box.hidden = true;
    if (opener()) opener().setAttribute("aria-expanded", "false");
    const field = answerField();
    if (backToAnswer && field) {
      field.focus();
      if (caret) field.setSelectionRange(caret[0], caret[1]);
    }
    caret = null;
  };

  const insert = (text) => {
    const field = answerField();
    if (!field) return;
    const length = field.value.length;
    const [start, end] = (caret || [length, length]).map((at) => Math.min(at, length));
    field.setRangeText(text, start, end, "end");
    caret = [field.selectionStart, field.selectionEnd];
    // The screen's autosave and the character count hear it as typing.
    field.dispatchEvent(new Event("input", { bubbles: true }));
    closePicker(true);
    if (window.isocrmAnnounce) window.isocrmAnnounce(t("Resposta pronta inserida na Resposta."));
  };

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element && event.target.closest("#ready-answers-open");
    if (!button) return;
    if (picker() && !picker().hidden) closePicker(true);
    else openPicker();
  });

  // "//" typed in Resposta: the two slashes go, the picker opens where they were.
  document.addEventListener("input", (event) => {
    const field = event.target;
    if (!(field instanceof HTMLTextAreaElement) || field.id !== "answer" || event.inputType !== "insertText") return;
    const at = field.selectionStart;
    if (at < 2 || field.selectionEnd !== at || field.value.slice(at - 2, at) !== "//") return;
    field.setRangeText("", at - 2, at, "end");
    caret = [at - 2, at - 2];
    openPicker();
  });

  document.addEventListener("change", async (event) => {
    const hidden = event.target;
    if (!(hidden instanceof HTMLInputElement) || hidden.id !== "ready-answer-value" || !hidden.value) return;
    if (!picking) return;
    picking = false;
    const url = document.querySelector("[data-ready-answers]").dataset.fillUrl.replace(/\/0$/, `/${encodeURIComponent(hidden.value)}`);
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } });
      if (!response.ok) throw new Error(String(response.status));
      const html = new DOMParser().parseFromString(await response.text(), "text/html");
      const text = html.querySelector("[data-ready-answer-text]");
      if (text) insert(text.textContent);
    } catch (e) {
      document.getElementById("ready-answer-count").textContent = t("Não foi possível buscar a resposta pronta; tente de novo.");
    }
  });

  // In the picker's box, before combobox.js (capture, on the window): Enter may pick; Esc
  // with the list closed goes back to Resposta (combobox.js would bring back an earlier pick).
  window.addEventListener("keydown", (event) => {
    if (!(event.target instanceof Element) || event.target.id !== "ready-answer") return;
    if (event.key === "Enter" && !event.ctrlKey && !event.altKey && !event.metaKey) picking = true;
    if (event.key !== "Escape" || event.target.getAttribute("aria-expanded") === "true") return;
    event.preventDefault();
    event.stopPropagation();
    closePicker(true);
  }, true);
  window.addEventListener("mousedown", (event) => {
    if (event.target instanceof Element && event.target.closest("#ready-answer-listbox [role=option]")) picking = true;
  }, true);
})();
