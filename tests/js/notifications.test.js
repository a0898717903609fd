import assert from "node:assert/strict";
import { test } from "node:test";

import { Notifier, STORAGE_KEY } from "../../static/js/live/notifications.js";
import { FakeDocument } from "./dom.js";
import { settle } from "./support.js";

/** The browser's Notification, its permission and answer set by the test. */
function fakeNotification(permission = "default", answer = "granted") {
  const shown = [];
  const asked = [];
  class Notification {
    static permission = permission;
    static async requestPermission() {
      asked.push(true);
      Notification.permission = answer;
      return answer;
    }
    constructor(title, options) { shown.push({ title, ...options }); }
  }
  return { Notification, shown, asked };
}

function storage(initial = {}) {
  const items = new Map(Object.entries(initial));
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => items.set(key, value),
    removeItem: (key) => items.delete(key),
    items,
  };
}

function toggle() {
  const doc = new FakeDocument();
  const button = doc.make("button", { notifyToggle: "", notifyStatuses: "completed failed" });
  button.hidden = true;
  const note = doc.make("small", { notifyNote: "" });
  doc.make("div", {}, button, note);
  return { button, note };
}

const done = { meetingId: "a", version: 5, title: "Quarterly review", status: "completed", label: "Completed" };

test("off by default: nothing is asked or shown until the user presses the toggle", async () => {
  const { button } = toggle();
  const { Notification, shown, asked } = fakeNotification();
  const notifier = new Notifier(button, { Notification, storage: storage() });
  assert.equal(button.hidden, false);
  assert.equal(button.getAttribute("aria-pressed"), "false");
  notifier.notify(done);
  assert.deepEqual([shown, asked], [[], []]);
  button.click();
  await settle();
  assert.equal(asked.length, 1, "permission is asked on the click");
  assert.equal(button.getAttribute("aria-pressed"), "true");
  notifier.notify(done);
  notifier.notify({ ...done, status: "processing", label: "Processing" });
  assert.deepEqual(shown, [{ title: "Quarterly review: Completed", tag: "meeting-a-5" }]);
  button.click();
  await settle();
  assert.equal(notifier.on, false);
  notifier.notify(done);
  assert.equal(shown.length, 1);
});

test("the choice is remembered while the browser allows it", () => {
  const { button } = toggle();
  const { Notification } = fakeNotification("granted");
  const notifier = new Notifier(button, { Notification, storage: storage({ [STORAGE_KEY]: "on" }) });
  assert.equal(notifier.on, true);
  const revoked = fakeNotification("denied");
  assert.equal(new Notifier(toggle().button, { Notification: revoked.Notification, storage: storage({ [STORAGE_KEY]: "on" }) }).on, false);
});

test("a refusal leaves them off and says where to allow them", async () => {
  const { button, note } = toggle();
  const { Notification } = fakeNotification("default", "denied");
  const notifier = new Notifier(button, { Notification, storage: storage() });
  button.click();
  await settle();
  assert.equal(notifier.on, false);
  assert.equal(button.getAttribute("aria-pressed"), "false");
  assert.match(note.textContent, /blocked/);
});

test("without notifications in the browser the toggle stays hidden", () => {
  const { button } = toggle();
  new Notifier(button, { Notification: undefined });
  assert.equal(button.hidden, true);
});
