/**
 * The list's filters apply as they change, without a Filter button: a new
 * status or order submits the form at once, and the title search after a
 * pause in typing (data-auto-filters: the pause in ms, 500 when empty) or on
 * Enter. Without JavaScript the form keeps its Filter button, which this
 * removes. After the page reloads, the control that changed has the focus
 * again, so keyboard users stay where they were.
 */
const DEFAULT_DELAY_MS = 500;
const FOCUS_KEY = "meetstream-list-filter-focus";

function remember(storage, name) {
  try {
    storage?.setItem(FOCUS_KEY, name);
  } catch {
    // No storage (a private window, say): the focus starts at the top.
  }
}

function recall(storage) {
  try {
    const name = storage?.getItem(FOCUS_KEY);
    storage?.removeItem(FOCUS_KEY);
    return name;
  } catch {
    return null;
  }
}

/** Make form's controls apply as they change; return what cancels a pending search. */
export function autoFilters(form, storage) {
  const parsed = Number.parseInt(form.dataset.autoFilters, 10);
  const delayMs = Number.isFinite(parsed) && parsed >= 0 ? parsed : DEFAULT_DELAY_MS;
  let timer = null;
  const submit = (control) => {
    clearTimeout(timer);
    remember(storage, control.name);
    form.requestSubmit();
  };

  form.querySelector("[data-filters-submit]")?.remove();
  form.dataset.autoFiltersOn = "";
  for (const select of form.querySelectorAll("select")) {
    select.addEventListener("change", () => submit(select));
  }
  const text = form.querySelector('input[type="text"], input[type="search"]');
  text?.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (text.value.trim() !== text.defaultValue.trim()) submit(text);
    }, delayMs);
  });
  // Enter submits the form itself (one text field): no second submit later.
  form.addEventListener("submit", () => {
    clearTimeout(timer);
    if (text && document.activeElement === text) remember(storage, text.name);
  });

  const focused = recall(storage);
  const control = focused ? form.elements.namedItem(focused) : null;
  if (control instanceof HTMLElement) {
    control.focus();
    if (control === text) text.setSelectionRange(text.value.length, text.value.length);
  }
  return () => clearTimeout(timer);
}

const form = document.querySelector("form[data-auto-filters]");
if (form) {
  let storage = null;
  try {
    storage = window.sessionStorage;
  } catch {
    storage = null;
  }
  autoFilters(form, storage);
}
