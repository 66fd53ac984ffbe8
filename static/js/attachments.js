// Anexos (templates/attachments/_detail.html): files dropped on a detail's drop zone go into
// its file field and are sent at once by its Anexar button (htmx swaps the detail's list).
// A file over the size limit is refused here, before minutes of sending it for nothing.
// Without this script the field and the button work alone (the server checks the same).
(() => {
  const zoneOf = (target) => (target instanceof Element ? target.closest("[data-drop-zone]") : null);
  const carriesFiles = (event) =>
    event.dataTransfer && Array.from(event.dataTransfer.types || []).includes("Files");

  // True when every chosen file may be sent; otherwise says which one may not.
  const allowed = (zone) => {
    const input = zone.querySelector('input[type="file"]');
    const max = Number(zone.dataset.maxBytes || 0);
    const big = max ? Array.from((input && input.files) || []).find((f) => f.size > max) : null;
    const message = zone.querySelector("[data-drop-message]");
    if (!big) return true;
    if (message) {
      message.textContent = zone.dataset.tooBig.replace("{name}", big.name);
      message.hidden = false;
    }
    return false;
  };

  document.addEventListener(
    "click",
    (event) => {
      const button = event.target instanceof Element ? event.target.closest("button") : null;
      const zone = zoneOf(button);
      if (zone && button.type === "submit" && !allowed(zone)) {
        event.preventDefault();
        event.stopPropagation();
      }
    },
    true,
  );
  document.addEventListener("dragover", (event) => {
    const zone = zoneOf(event.target);
    if (!zone || !carriesFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    zone.classList.add("dragging");
  });
  document.addEventListener("dragleave", (event) => {
    const zone = zoneOf(event.target);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("dragging");
  });
  document.addEventListener("drop", (event) => {
    const zone = zoneOf(event.target);
    if (!zone || !event.dataTransfer || !event.dataTransfer.files.length) return;
    event.preventDefault();
    zone.classList.remove("dragging");
    const input = zone.querySelector('input[type="file"]');
    const button = zone.querySelector('button[type="submit"]');
    if (!input || !button) return;
    input.files = event.dataTransfer.files;
    button.click();
  });
})();
