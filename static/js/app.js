// Every htmx request carries the CSRF token in the X-CSRFToken header (Flask-WTF reads it), so
// a button or link posting without a form of its own is accepted. The token is in
// <meta name="csrf-token">: an inherited hx-headers on <body> would need a ":" in its attribute
// name, which is not valid HTML.
document.addEventListener("htmx:config:request", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const request = event.detail && event.detail.ctx && event.detail.ctx.request;
  if (meta && request && request.headers) request.headers["X-CSRFToken"] = meta.content;
});

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
