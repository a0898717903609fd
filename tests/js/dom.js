/**
 * Just enough of a DOM for the live page's pieces under Node: elements with
 * attributes, dataset, hidden, text, children found by attribute selectors
 * ("[data-x]"), and events; a document with a title and a visibility state.
 */
export class FakeElement {
  constructor(tag = "div", doc = null) {
    this.tagName = tag.toUpperCase();
    this.ownerDocument = doc;
    this.attributes = new Map();
    this.dataset = {};
    this.hidden = false;
    this.children = [];
    this.parentElement = null;
    this.listeners = new Map();
    this.ownText = "";
    this.focused = 0;
  }

  get textContent() {
    return this.ownText + this.children.map((child) => (typeof child === "string" ? child : child.textContent)).join("");
  }

  set textContent(text) {
    this.children = [];
    this.ownText = String(text);
  }

  append(...children) {
    for (const child of children) {
      if (typeof child !== "string") child.parentElement = this;
      this.children.push(child);
    }
    return this;
  }

  replaceChildren(...children) {
    this.ownText = "";
    this.children = [];
    this.append(...children);
  }

  setAttribute(name, value) { this.attributes.set(name, String(value)); }
  getAttribute(name) { return this.attributes.get(name) ?? null; }
  hasAttribute(name) { return this.attributes.has(name); }
  removeAttribute(name) { this.attributes.delete(name); }

  toggleAttribute(name, on = !this.attributes.has(name)) {
    if (on) this.attributes.set(name, "");
    else this.attributes.delete(name);
    return on;
  }

  addEventListener(type, listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(listener);
  }

  dispatch(type, event = {}) {
    for (const listener of this.listeners.get(type) ?? []) listener({ type, ...event });
  }

  click() { this.dispatch("click"); }
  focus() { this.focused += 1; if (this.ownerDocument) this.ownerDocument.activeElement = this; }

  contains(other) {
    return other === this || this.children.some((child) => typeof child !== "string" && child.contains(other));
  }

  /** The first descendant matching "[data-name]" or "#id". */
  querySelector(selector) {
    for (const child of this.children) {
      if (typeof child === "string") continue;
      if (matches(child, selector)) return child;
      const found = child.querySelector(selector);
      if (found) return found;
    }
    return null;
  }
}

function matches(element, selector) {
  if (selector.startsWith("#")) return element.id === selector.slice(1);
  const attribute = /^\[([\w-]+)\]$/.exec(selector)?.[1];
  if (!attribute) throw new Error(`unsupported selector ${selector}`);
  if (attribute.startsWith("data-")) {
    const key = attribute.slice(5).replace(/-(\w)/g, (_, c) => c.toUpperCase());
    return key in element.dataset;
  }
  return element.hasAttribute(attribute);
}

export class FakeDocument extends FakeElement {
  constructor({ title = "Meetings · meetstream", visibilityState = "visible" } = {}) {
    super("#document");
    this.ownerDocument = this;
    this.title = title;
    this.visibilityState = visibilityState;
    this.activeElement = null;
  }

  createElement(tag) { return new FakeElement(tag, this); }

  /** Make an element with data-* attributes (dataset keys), attached to this document. */
  make(tag, data = {}, ...children) {
    const element = this.createElement(tag);
    Object.assign(element.dataset, data);
    element.append(...children);
    return element;
  }

  getElementById(id) { return this.querySelector(`#${id}`); }

  setVisibility(state) {
    this.visibilityState = state;
    this.dispatch("visibilitychange");
  }
}
