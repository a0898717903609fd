import assert from "node:assert/strict";
import { test } from "node:test";

import { TitleBadge } from "../../static/js/live/title-badge.js";
import { FakeDocument } from "./dom.js";

test("a hidden tab counts changes in its title, cleared when it is shown", () => {
  const doc = new FakeDocument({ title: "Meetings · meetstream" });
  const badge = new TitleBadge(doc);
  badge.changed();
  assert.equal(doc.title, "Meetings · meetstream", "a visible tab shows the change itself");
  doc.setVisibility("hidden");
  badge.changed();
  badge.changed();
  assert.equal(doc.title, "(2) Meetings · meetstream");
  doc.setVisibility("visible");
  assert.equal(doc.title, "Meetings · meetstream");
  assert.equal(badge.count, 0);
});
