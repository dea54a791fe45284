// Progressive enhancement only: every form works without this file.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) {
    select.form.requestSubmit();
  }
});

// htmx (on the pages that load it) replaces part of a page. If the focused button went with the
// old part, put the focus on the new one (it has tabindex="-1"), not back at the top of the page.
document.addEventListener("htmx:afterSettle", (event) => {
  const focused = document.activeElement;
  if (focused && focused !== document.body) {
    return;
  }
  const id = event.detail.target && event.detail.target.id;
  const swapped = id && document.getElementById(id);
  if (swapped && swapped.hasAttribute("tabindex")) {
    swapped.focus();
  }
});
