// Small behaviours on top of htmx: close dialogs, focus the first error after a swap.
document.addEventListener("htmx:afterSwap", (event) => {
  // A page restored from history has no swap target.
  if (!event.detail.target) return;
  const firstError = event.detail.target.querySelector(".field-error, [aria-invalid='true']");
  if (firstError) {
    const input = firstError.closest(".field")?.querySelector("input, select, textarea");
    (input || firstError).focus?.();
  }
});
document.addEventListener("click", (event) => {
  const closer = event.target.closest("[data-close]");
  if (closer) {
    const target = document.querySelector(closer.dataset.close);
    if (target) target.innerHTML = "";
  }
});
// A message from the server (a refused write says why), shown above the page.
function showMessage(text, level) {
  const box = document.getElementById("messages");
  if (!box) return;
  const message = document.createElement("div");
  message.className = `message ${level || "info"}`;
  message.setAttribute("role", level === "error" ? "alert" : "status");
  message.textContent = text;
  box.replaceChildren(message);
  box.scrollIntoView?.({ block: "nearest" });
}
document.body.addEventListener("kam:message", (event) => showMessage(event.detail.text, event.detail.level));
// A failed htmx request should never fail silently; one that says why has said it already.
document.addEventListener("htmx:responseError", (event) => {
  if ((event.detail.xhr.getResponseHeader("HX-Trigger") || "").includes("kam:message")) return;
  const box = document.getElementById("messages");
  if (box) {
    const status = event.detail.xhr.status;
    box.innerHTML = `<div class="message error">${document.body.dataset.errorText || "Error"} (${status})</div>`;
  }
});
// Close the notification dropdown when clicking elsewhere or pressing Escape.
document.addEventListener("click", (event) => {
  const panel = document.getElementById("bell-panel");
  if (panel && panel.innerHTML && !event.target.closest(".bell-wrap")) panel.innerHTML = "";
});
document.addEventListener("keydown", (event) => {
  const panel = document.getElementById("bell-panel");
  if (event.key === "Escape" && panel) panel.innerHTML = "";
});
// Plain forms that ask first (htmx ones use hx-confirm), and buttons that print the page:
// behaviour lives here rather than in inline handlers, which the Content-Security-Policy forbids.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset?.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
