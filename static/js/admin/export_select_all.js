// "Select all" on django-import-export's export page, bound here instead of in an inline
// onchange attribute (the Content-Security-Policy forbids inline handlers).
document.addEventListener("change", (event) => {
  if (event.target.matches(".select-toggle") && typeof onSelectToggleChange === "function") {
    onSelectToggleChange(event);
  }
});
