import assert from "node:assert/strict";
import { test } from "node:test";

import { Banner } from "../../static/js/live/banner.js";

/** Just enough of an element: hidden, attributes, and the attempt line. */
function fakeBanner() {
  const attempt = { textContent: "" };
  const attributes = new Set();
  return {
    hidden: true,
    attempt,
    querySelector: (selector) => (selector === "[data-banner-attempt]" ? attempt : null),
    toggleAttribute: (name, on) => (on ? attributes.add(name) : attributes.delete(name)),
    removeAttribute: (name) => attributes.delete(name),
    hasAttribute: (name) => attributes.has(name),
  };
}

test("the banner is compact at the first disconnect and prominent once a retry failed", () => {
  const element = fakeBanner();
  const banner = new Banner(element);
  banner.show(1);
  assert.equal(element.hidden, false);
  assert.equal(element.attempt.textContent, "Reconnection attempt 1...");
  assert.equal(element.hasAttribute("data-prominent"), false);
  banner.show(2);
  assert.equal(element.attempt.textContent, "Reconnection attempt 2...");
  assert.equal(element.hasAttribute("data-prominent"), true);
  banner.hide();
  assert.equal(element.hidden, true);
  assert.equal(element.hasAttribute("data-prominent"), false);
  // The next outage starts compact again.
  banner.show(1);
  assert.equal(element.hasAttribute("data-prominent"), false);
});

test("a page without the banner ignores it", () => {
  const banner = new Banner(null);
  banner.show(3);
  banner.hide();
});
