/**
 * The colour theme switch: "auto" (the system's preference), "light" or "dark",
 * remembered in localStorage under "theme", the key the Django admin's own
 * toggle uses, so the site and the admin follow one choice. The CSS reads the
 * choice from <html data-theme>. Without JavaScript the system's choice holds.
 */
export const THEMES = ["auto", "light", "dark"];
const KEY = "theme";
const LABELS = { auto: "Theme: auto", light: "Theme: light", dark: "Theme: dark" };

/** Return the theme after theme in the switch's cycle. */
export function nextTheme(theme) {
  return THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
}

/** Return the remembered theme, or "auto" when there is none (or no storage). */
export function storedTheme(storage) {
  try {
    const theme = storage?.getItem(KEY);
    return THEMES.includes(theme) ? theme : "auto";
  } catch {
    return "auto";
  }
}

/** Apply the remembered theme to doc and wire its switch, if the page has one. */
export function setUpTheme(doc, storage) {
  const root = doc.documentElement;
  root.dataset.theme = storedTheme(storage);
  const button = doc.querySelector("[data-theme-switch]");
  if (!button) return;
  const show = () => {
    // "Theme: " is read everywhere but shown only where there is room.
    const [prefix, choice] = LABELS[root.dataset.theme].split(/(?<=: )/);
    const hint = doc.createElement("span");
    hint.className = "theme-switch__prefix";
    hint.textContent = prefix;
    button.replaceChildren(hint, choice);
    button.title = "Switch between the system's colours, light and dark";
  };
  button.addEventListener("click", () => {
    root.dataset.theme = nextTheme(root.dataset.theme);
    try {
      storage?.setItem(KEY, root.dataset.theme);
    } catch {
      // Storage refused (private mode): the choice lasts for this page.
    }
    show();
  });
  show();
  button.hidden = false;
}

if (typeof document !== "undefined") {
  let storage = null;
  try {
    storage = window.localStorage;
  } catch {
    // Blocked storage: follow the system's preference.
  }
  setUpTheme(document, storage);
}
