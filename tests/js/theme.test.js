import assert from "node:assert/strict";
import { test } from "node:test";

import { nextTheme, setUpTheme, storedTheme } from "../../static/js/theme.js";

function fakeStorage(initial = {}) {
  const items = { ...initial };
  return { items, getItem: (key) => items[key] ?? null, setItem: (key, value) => (items[key] = String(value)) };
}

function fakeDocument() {
  const listeners = {};
  const button = {
    hidden: true,
    textContent: "Theme",
    title: "",
    addEventListener: (type, listener) => (listeners[type] = listener),
    click: () => listeners.click(),
    // The label's parts: "Theme: " (in a span, hidden on phones) and the choice.
    replaceChildren(...parts) {
      this.parts = parts;
      this.textContent = parts.map((part) => (typeof part === "string" ? part : part.textContent)).join("");
    },
  };
  return {
    button,
    createElement: () => ({ className: "", textContent: "" }),
    documentElement: { dataset: {} },
    querySelector: (selector) => (selector === "[data-theme-switch]" ? button : null),
  };
}

test("the switch cycles auto, light, dark", () => {
  assert.equal(nextTheme("auto"), "light");
  assert.equal(nextTheme("light"), "dark");
  assert.equal(nextTheme("dark"), "auto");
});

test("an unknown or unreadable stored theme is auto", () => {
  assert.equal(storedTheme(fakeStorage({ theme: "purple" })), "auto");
  assert.equal(storedTheme(null), "auto");
  const throwing = { getItem: () => { throw new Error("SecurityError"); } };
  assert.equal(storedTheme(throwing), "auto");
});

test("the page takes the remembered theme, and the switch remembers a new one", () => {
  const doc = fakeDocument();
  const storage = fakeStorage({ theme: "dark" });
  setUpTheme(doc, storage);
  assert.equal(doc.documentElement.dataset.theme, "dark");
  assert.equal(doc.button.hidden, false);
  assert.equal(doc.button.textContent, "Theme: dark");
  doc.button.click();
  assert.equal(doc.documentElement.dataset.theme, "auto");
  assert.equal(storage.items.theme, "auto");
  doc.button.click();
  assert.equal(doc.documentElement.dataset.theme, "light");
  assert.equal(doc.button.textContent, "Theme: light");
});

test("storage that refuses writes still switches the page", () => {
  const doc = fakeDocument();
  const storage = { getItem: () => null, setItem: () => { throw new Error("QuotaExceededError"); } };
  setUpTheme(doc, storage);
  doc.button.click();
  assert.equal(doc.documentElement.dataset.theme, "light");
});
