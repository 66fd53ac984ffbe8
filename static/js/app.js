// Every page: before htmx swaps content in, drop the style attributes Chromium wrote on the
// elements being replaced (a textarea the user resized). htmx copies them onto the new
// elements with setAttribute, which the Content-Security-Policy (no inline styles) blocks.
document.addEventListener("htmx:before:swap", (event) => {
  const tasks = (event.detail && event.detail.tasks) || [];
  for (const task of tasks) {
    const target = task && task.target;
    if (!(target instanceof Element)) continue;
    if (target.hasAttribute("style")) target.removeAttribute("style");
    for (const styled of target.querySelectorAll("[style]")) styled.removeAttribute("style");
  }
});
