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

// @ mentions: typing @ and a few letters in a comment offers the colleagues who can see the
// account (the list the server put in #mentionable); a click, Enter or Tab picks one.
(function () {
  let box = null;
  let active = 0;
  function people() {
    const data = document.getElementById("mentionable");
    return data ? JSON.parse(data.textContent) : [];
  }
  function query(area) {
    const before = area.value.slice(0, area.selectionStart);
    const match = /(^|[^\w@.+-])@([^\s@]*)$/.exec(before);
    return match ? match[2] : null;
  }
  function close() {
    if (box) box.remove();
    box = null;
  }
  function pick(area, person) {
    const at = area.selectionStart;
    const before = area.value.slice(0, at).replace(/@[^\s@]*$/, "@" + person.username + " ");
    area.value = before + area.value.slice(at);
    area.selectionStart = area.selectionEnd = before.length;
    area.focus();
    close();
  }
  function show(area) {
    const q = query(area);
    close();
    if (q === null) return;
    const needle = q.toLowerCase();
    const found = people()
      .filter((p) => [p.username, p.name, p.kana || ""].some((text) => text.toLowerCase().includes(needle)))
      .slice(0, 8);
    if (!found.length) return;
    active = Math.min(active, found.length - 1);
    box = document.createElement("ul");
    box.className = "mention-box";
    box.setAttribute("role", "listbox");
    found.forEach((person, i) => {
      const item = document.createElement("li");
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", i === active ? "true" : "false");
      item.textContent = person.name + " (@" + person.username + ")";
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        pick(area, person);
      });
      box.appendChild(item);
    });
    box.found = found;
    area.insertAdjacentElement("afterend", box);
  }
  document.addEventListener("input", (event) => {
    if (event.target.matches("textarea[data-mentions]")) {
      active = 0;
      show(event.target);
    }
  });
  document.addEventListener("keydown", (event) => {
    const area = event.target;
    if (!box || !area.matches || !area.matches("textarea[data-mentions]")) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const n = box.found.length;
      active = (active + (event.key === "ArrowDown" ? 1 : n - 1)) % n;
      show(area);
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      pick(area, box.found[active]);
    } else if (event.key === "Escape") {
      close();
    }
  });
  document.addEventListener("focusout", (event) => {
    if (event.target.matches && event.target.matches("textarea[data-mentions]")) close();
  });
})();
