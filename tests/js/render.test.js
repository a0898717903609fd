import assert from "node:assert/strict";
import { test } from "node:test";

import { applyStatus, showDeleted } from "../../static/js/live/render.js";
import { showsProgress, statusLabel } from "../../static/js/live/statuses.js";

/** The statuses as the base templates render them from meetings.domain.Status. */
const SERVER_STATUSES = [
  { value: "scheduled", label: "Scheduled", showsProgress: false },
  { value: "in_progress", label: "In progress", showsProgress: false },
  { value: "uploaded", label: "Uploaded", showsProgress: false },
  { value: "processing", label: "Processing", showsProgress: true },
  { value: "completed", label: "Completed", showsProgress: false },
  { value: "failed", label: "Failed", showsProgress: false },
];

/** A document holding <script id="meeting-statuses"> (or not), counting its reads. */
function fakeDocument(statuses = SERVER_STATUSES) {
  const doc = { reads: 0 };
  doc.getElementById = (id) => {
    doc.reads += 1;
    return id === "meeting-statuses" && statuses ? { textContent: JSON.stringify(statuses) } : null;
  };
  return doc;
}

function fakeClassList(names) {
  const set = new Set(names);
  return {
    add: (...added) => added.forEach((name) => set.add(name)),
    remove: (...removed) => removed.forEach((name) => set.delete(name)),
    [Symbol.iterator]: () => set.values(),
  };
}

/** A row or panel with the data-live fields applyStatus fills in. */
function fakeRoot(doc, { status = "scheduled", version = 1 } = {}) {
  const fields = {
    status: { textContent: status, classList: fakeClassList(["badge", `badge--${status}`]) },
    "progress-box": { hidden: true },
    "progress-bar": { value: 0 },
    progress: { textContent: "0" },
  };
  return {
    fields,
    ownerDocument: doc,
    dataset: { version: String(version) },
    querySelector: (selector) => fields[/^\[data-live="(.+)"\]$/.exec(selector)?.[1]] ?? null,
  };
}

const badgeClasses = (root) => [...root.fields.status.classList];

test("the badge and progress follow the statuses the server sent", () => {
  const doc = fakeDocument();
  const root = fakeRoot(doc);
  applyStatus(root, { status: "processing", progress: 40, version: 2 });
  assert.equal(root.fields.status.textContent, "Processing");
  assert.deepEqual(badgeClasses(root), ["badge", "badge--processing"]);
  assert.equal(root.fields["progress-box"].hidden, false);
  assert.equal(root.fields["progress-bar"].value, 40);
  applyStatus(root, { status: "in_progress", progress: 40, version: 3 });
  assert.equal(root.fields.status.textContent, "In progress");
  assert.deepEqual(badgeClasses(root), ["badge", "badge--in_progress"]);
  assert.equal(root.fields["progress-box"].hidden, true);
});

test("a label, a status or a progress rule the client never saw shows as the server says", () => {
  const doc = fakeDocument([
    { value: "processing", label: "Transcribing", showsProgress: false },
    { value: "archived", label: "Put away", showsProgress: true },
  ]);
  const root = fakeRoot(doc);
  applyStatus(root, { status: "processing", progress: 10, version: 2 });
  assert.equal(root.fields.status.textContent, "Transcribing");
  assert.equal(root.fields["progress-box"].hidden, true);
  applyStatus(root, { status: "archived", progress: 10, version: 3 });
  assert.equal(root.fields.status.textContent, "Put away");
  assert.deepEqual(badgeClasses(root), ["badge", "badge--archived"]);
  assert.equal(root.fields["progress-box"].hidden, false);
});

test("every old status class goes, whatever its name", () => {
  const root = fakeRoot(fakeDocument());
  root.fields.status.classList.add("badge--deleted", "badge--gone-next-release");
  applyStatus(root, { status: "completed", progress: 100, version: 2 });
  assert.deepEqual(badgeClasses(root), ["badge", "badge--completed"]);
});

test("the statuses are read from the page once", () => {
  const doc = fakeDocument();
  for (const status of ["scheduled", "processing", "failed"]) {
    statusLabel(status, doc);
    showsProgress(status, doc);
  }
  assert.equal(doc.reads, 1);
  assert.equal(statusLabel("failed", doc), "Failed");
});

test("without the statuses on the page a status shows as sent, without progress", () => {
  const doc = fakeDocument(null);
  assert.equal(statusLabel("processing", doc), "processing");
  assert.equal(showsProgress("processing", doc), false);
  assert.equal(statusLabel("processing", undefined), "processing");
});

test("a deleted meeting's row says Deleted, in the deleted badge alone, without progress", () => {
  const root = fakeRoot(fakeDocument(), { status: "processing" });
  root.fields["progress-box"].hidden = false;
  root.fields.status.className = "badge badge--processing";
  showDeleted(root);
  assert.equal(root.fields.status.textContent, "Deleted");
  assert.equal(root.fields.status.className, "badge badge--deleted");
  assert.equal(root.fields["progress-box"].hidden, true);
});

test("a row without a badge or progress is marked deleted as far as it goes", () => {
  const root = { querySelector: () => null };
  showDeleted(root);
});
