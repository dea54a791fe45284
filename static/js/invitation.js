// The invitation link carries its code after "#", which browsers never send to a server, so no
// access log records it. Copy it into the form (which POSTs it), hide the field it fills, and
// take it out of the address bar and the history. Without JavaScript the person pastes the code.
document.addEventListener("DOMContentLoaded", () => {
  const code = decodeURIComponent(window.location.hash.slice(1));
  const input = document.querySelector("input[data-invitation-code]");
  if (!code || !input) {
    return;
  }
  input.value = code;
  const field = input.closest(".field");
  if (field) {
    field.hidden = true;
  }
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
});
