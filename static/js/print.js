// Imprimir relatório: the "Imprimir" link opens the PDF; with JavaScript it opens the
// browser's print dialog instead (the page's print CSS lays it out for A4).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print-report");
  if (!button) return;
  button.addEventListener("click", (event) => {
    event.preventDefault();
    window.print();
  });
});
