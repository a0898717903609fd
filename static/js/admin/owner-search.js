// The owner search (OwnerSelect, meetings/admin/widgets.py). The admin's own
// autocomplete.js makes each select a Select2 search; this module makes that
// search accessible and, where the select asks for it (the changelist's
// filter), applies a choice at once. Select2 reports through jQuery events
// only, so it listens through the admin's jQuery.
const $ = window.django?.jQuery;
const selects = document.querySelectorAll("select[data-owner-search]");

// Before Select2 starts (on jQuery's ready, after this module has run): show
// its results inside the page's main landmark rather than at the end of body.
for (const select of selects) {
  const main = select.closest("main");
  if (main?.id) {
    select.dataset.dropdownParent = `#${CSS.escape(main.id)}`;
  }
}

function labelOf(select) {
  const label = select.id && document.querySelector(`label[for="${CSS.escape(select.id)}"]`);
  if (label) {
    label.id ||= `${select.id}_label`;
  }
  return label;
}

function makeAccessible(select) {
  const selection = select.nextElementSibling?.querySelector(".select2-selection");
  if (!selection) {
    return;
  }
  const label = labelOf(select);
  // The chosen user is text inside the combobox, not a textbox of its own.
  const shown = selection.querySelector(".select2-selection__rendered");
  shown?.removeAttribute("role");
  shown?.removeAttribute("aria-readonly");
  if (label) {
    // Named "Owner: alice", not by the chosen user alone.
    selection.setAttribute("aria-labelledby", [label.id, shown?.id].filter(Boolean).join(" "));
    label.addEventListener("click", () => selection.focus());
  }
  $(select).on("select2:open", () => {
    // An open combobox names the list it controls.
    const results = selection.getAttribute("aria-owns");
    if (results) {
      selection.setAttribute("aria-controls", results);
    }
    const search = document.getElementById(results)
      ?.closest(".select2-dropdown")
      ?.querySelector(".select2-search__field");
    search?.setAttribute("aria-label", "Search users by username, name or e-mail");
  });
  $(select).on("select2:close", () => selection.removeAttribute("aria-controls"));
}

if ($ && selects.length) {
  // Queued after autocomplete.js's own ready handler, which starts Select2.
  $(() => {
    for (const select of selects) {
      makeAccessible(select);
      if ("submitOnChange" in select.dataset) {
        $(select).on("change", () => select.form.requestSubmit());
      }
    }
  });
}
