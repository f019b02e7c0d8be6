// Building the page from data, safely: every piece of user data goes in as a text node or
// an attribute value, never as HTML. Nothing in this page assigns innerHTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function setProps(el, props) {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.setAttribute("class", value);
    else if (key === "text") el.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "style" || key === "innerHTML" || key === "srcdoc") {
      throw new Error(`h(): "${key}" is not allowed (strict CSP, text-only rendering)`);
    } else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
}

function appendChildren(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    // A string becomes a text node: "<img src=x onerror=…>" shows as those characters.
    el.append(child instanceof Node ? child : String(child));
  }
}

/** An HTML element: h("a", {href: "#/x", class: "button"}, "text", otherNode). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  appendChildren(el, children);
  return el;
}

/** An SVG element, for the charts. */
export function svg(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setProps(el, props);
  appendChildren(el, children);
  return el;
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  appendChildren(el, children);
  return el;
}

/** A link to a route of this page; parts are encoded, so an id can never change the route. */
export function route(...parts) {
  return "#/" + parts.map((part) => encodeURIComponent(String(part))).join("/");
}

/** Only http(s) links to other sites: never javascript: or data: from stored data. */
export function externalLink(url, text) {
  if (!url) return null;
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return String(url);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return String(url);
  return h("a", { href: parsed.href, rel: "noopener noreferrer", target: "_blank" }, text ?? url);
}

let nextId = 0;
/** A page-unique id for label/aria wiring. */
export function uid(prefix = "id") {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// ---- formatting ----------------------------------------------------------------------------

const moneyFormats = new Map();
/** "€150,000" for whole amounts, "€1,500.50" when there are cents. */
export function money(amount, currency = "EUR") {
  if (amount === null || amount === undefined) return "—";
  const digits = Number.isInteger(amount) ? 0 : 2;
  const key = `${currency}/${digits}`;
  let format = moneyFormats.get(key);
  if (!format) {
    try {
      format = new Intl.NumberFormat("en-IE", {
        style: "currency",
        currency,
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
    } catch {
      format = { format: (n) => `${n.toFixed(digits)} ${currency}` };
    }
    moneyFormats.set(key, format);
  }
  return format.format(amount);
}

const dateTimeFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" });
const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

/** A <time> for an ISO timestamp, shown in the browser's time zone. */
export function dateTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return h("time", { datetime: iso, title: iso }, dateTimeFormat.format(date));
}

/** A <time> for a YYYY-MM-DD date (a calendar day, no time zone). */
export function day(value) {
  if (!value) return "—";
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return String(value);
  return h("time", { datetime: value }, dateFormat.format(date));
}

export function contactName(contact) {
  if (!contact) return "—";
  const name = [contact.first_name, contact.last_name].filter(Boolean).join(" ").trim();
  return name || contact.name || contact.email || "(no name)";
}

const LABELS = { mql: "MQL", sql: "SQL", todo: "To do" };

export function titleCase(value) {
  if (!value) return "";
  if (Object.hasOwn(LABELS, value)) return LABELS[value];
  const text = String(value).replaceAll("_", " ");
  return text[0].toUpperCase() + text.slice(1);
}
