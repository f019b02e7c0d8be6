// The page's building blocks: loading and error states, tables, pagination, badges, forms.

import { ApiError, isAbort } from "./api.js";
import { contactName, dateTime, h, replace, route, titleCase, uid } from "./dom.js";

export function loading(what) {
  return h("p", { class: "loading", role: "status" }, h("span", { class: "spinner" }), `Loading ${what}…`);
}

export function errorBox(error) {
  const message = error instanceof Error ? error.message : String(error);
  return h("div", { class: "alert", role: "alert" }, h("strong", {}, "Error: "), message);
}

export function notice(text) {
  return h("p", { class: "notice", role: "status" }, text);
}

/**
 * Shows "Loading …" in `container`, then what `render(data)` returns, or the API's error.
 * A newer call on the same container aborts the older one (search as you type), and so does
 * leaving the view (`signal`).
 */
export function loader(container, what, signal) {
  let controller = null;
  return async function load(fetchData, render) {
    controller?.abort();
    controller = new AbortController();
    const mine = controller;
    const onLeave = () => mine.abort();
    signal?.addEventListener("abort", onLeave, { once: true });
    container.setAttribute("aria-busy", "true");
    if (!container.firstChild) container.append(loading(what));
    else container.classList.add("stale");
    try {
      const data = await fetchData(mine.signal);
      if (mine.signal.aborted) return;
      replace(container, render(data));
    } catch (error) {
      if (isAbort(error) || mine.signal.aborted) return;
      replace(container, errorBox(error));
    } finally {
      if (controller === mine) {
        container.removeAttribute("aria-busy");
        container.classList.remove("stale");
      }
      signal?.removeEventListener("abort", onLeave);
    }
  };
}

/** A table; `columns` are {label, cell(row) -> Node|string, class?}. */
export function table(columns, rows, { empty = "Nothing here yet.", rowClass, caption } = {}) {
  if (rows.length === 0) return h("p", { class: "empty" }, empty);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      caption ? h("caption", { class: "visually-hidden" }, caption) : null,
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.class }, c.label)))),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h(
            "tr",
            { class: rowClass?.(row) },
            columns.map((c) => h("td", { class: c.class, "data-label": c.label }, c.cell(row) ?? "—")),
          ),
        ),
      ),
    ),
  );
}

/** "21–40 of 95" with Previous / Next buttons. */
export function pager(page, onOffset) {
  const { total, limit, offset } = page;
  if (total === 0) return null;
  const last = Math.min(offset + limit, total);
  return h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    h(
      "button",
      { type: "button", disabled: offset === 0, onclick: () => onOffset(Math.max(0, offset - limit)) },
      "← Previous",
    ),
    h("span", { class: "pager-status" }, `${offset + 1}–${last} of ${total}`),
    h("button", { type: "button", disabled: last >= total, onclick: () => onOffset(offset + limit) }, "Next →"),
  );
}

export function badge(value, kind = "") {
  if (!value) return "—";
  return h("span", { class: `badge ${kind} ${kind}-${value}`.trim() }, titleCase(value));
}

export function segmentBadge(segment) {
  return segment ? badge(segment, "segment") : h("span", { class: "muted" }, "unscored");
}

export function contactLink(contact) {
  return h("a", { href: route("contacts", contact.id) }, contactName(contact));
}

export function viewHeader(title, ...actions) {
  return h(
    "div",
    { class: "view-header" },
    h("h1", { tabindex: "-1" }, title),
    actions.length ? h("div", { class: "actions" }, actions) : null,
  );
}

export function linkButton(href, text, primary = false) {
  return h("a", { href, class: primary ? "button primary" : "button" }, text);
}

/** A description list from [label, value] pairs (null values are skipped). */
export function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs
      .filter(([, value]) => value !== null && value !== undefined && value !== "")
      .map(([label, value]) => h("div", {}, h("dt", {}, label), h("dd", {}, value))),
  );
}

/** The activity timeline; `names` maps contact ids to names where known. */
export function timeline(activities, { names = new Map(), empty = "No activities yet." } = {}) {
  if (activities.length === 0) return h("p", { class: "empty" }, empty);
  return h(
    "ol",
    { class: "timeline" },
    activities.map((a) =>
      h(
        "li",
        { class: `timeline-item type-${a.type}` },
        h(
          "div",
          { class: "timeline-meta" },
          badge(a.type, "type"),
          dateTime(a.occurred_at),
          a.contact_id
            ? h("a", { href: route("contacts", a.contact_id) }, names.get(a.contact_id) ?? "Contact")
            : null,
          a.metadata?.direction === "inbound" ? h("span", { class: "badge" }, "Inbound") : null,
        ),
        h("p", { class: "timeline-subject" }, a.subject || h("span", { class: "muted" }, "(no subject)")),
        a.body ? h("p", { class: "timeline-body" }, a.body) : null,
      ),
    ),
  );
}

// ---- forms -------------------------------------------------------------------------------

/**
 * A form whose fields show the API's validation errors next to them.
 *
 * fields: [{name, label, type: text|email|number|select|textarea|checkbox|date|datetime|tags,
 *           options?: [[value, label]], required?, help?, step?, min?, max?}]
 * values: the record being edited (or {} to create). Only changed fields are submitted, so an
 * edit never sends (and so never resets) what the user did not touch.
 * submit(body) -> Promise: an ApiError it throws is shown at the fields it names.
 */
export function recordForm({ fields, values = {}, submitLabel, submit, cancelHref, editing }) {
  const formError = h("div", { class: "form-error", "aria-live": "assertive" });
  const controls = new Map();
  const errors = new Map();

  const rows = fields.map((field) => {
    const id = uid(`f-${field.name}`);
    const errorId = `${id}-error`;
    const helpId = field.help ? `${id}-help` : null;
    const control = makeControl(field, id, values[field.name]);
    control.setAttribute("aria-describedby", [helpId, errorId].filter(Boolean).join(" "));
    controls.set(field.name, control);
    const error = h("p", { class: "field-error", id: errorId });
    errors.set(field.name, error);
    const label = h("label", { for: id }, field.label, field.required ? h("span", { class: "required" }, " *") : null);
    return h(
      "div",
      { class: `field field-${field.type ?? "text"}`, "data-field": field.name },
      field.type === "checkbox" ? [control, label] : [label, control],
      field.help ? h("p", { class: "help", id: helpId }, field.help) : null,
      error,
    );
  });

  const button = h("button", { type: "submit", class: "primary" }, submitLabel);
  const form = h(
    "form",
    { class: "record-form", novalidate: true, method: "post" },
    formError,
    h("div", { class: "fields" }, rows),
    h("div", { class: "form-actions" }, button, cancelHref ? linkButton(cancelHref, "Cancel") : null),
  );

  function clearErrors() {
    replace(formError);
    for (const [name, error] of errors) {
      replace(error);
      controls.get(name).removeAttribute("aria-invalid");
    }
  }

  function showError(error) {
    const unplaced = [];
    let first = null;
    for (const detail of error instanceof ApiError ? error.details : []) {
      const name = String(detail.field ?? "").split(".")[0];
      const slot = errors.get(name);
      if (!slot) {
        unplaced.push(`${detail.field}: ${detail.message}`);
        continue;
      }
      const prefix = detail.field !== name ? `${detail.field}: ` : "";
      slot.append(h("span", {}, prefix + detail.message));
      controls.get(name).setAttribute("aria-invalid", "true");
      first ??= controls.get(name);
    }
    replace(formError, errorBox(error), unplaced.length ? h("ul", {}, unplaced.map((u) => h("li", {}, u))) : null);
    (first ?? formError).focus?.();
    if (!first) formError.scrollIntoView?.({ block: "nearest" });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const body = {};
    for (const field of fields) {
      const value = readControl(field, controls.get(field.name));
      const before = normalise(field, values[field.name]);
      if (editing) {
        if (!same(value, before)) body[field.name] = value;
      } else if (value !== null && !(Array.isArray(value) && value.length === 0)) {
        body[field.name] = value;
      }
    }
    button.disabled = true;
    const label = button.textContent;
    button.textContent = "Saving…";
    try {
      await submit(body);
    } catch (error) {
      if (!isAbort(error)) showError(error);
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
  });
  formError.tabIndex = -1;
  return form;
}

function makeControl(field, id, value) {
  const common = { id, name: field.name, required: field.required };
  switch (field.type) {
    case "select": {
      const options = [...field.options];
      // A value the list does not hold (a record past the first page) stays selectable, so
      // saving the form never clears it by accident.
      if (value && !options.some(([v]) => v === String(value))) options.push([String(value), String(value)]);
      return h(
        "select",
        common,
        options.map(([optionValue, optionLabel]) =>
          h("option", { value: optionValue, selected: String(value ?? "") === optionValue }, optionLabel),
        ),
      );
    }
    case "textarea":
      return h("textarea", { ...common, rows: 4 }, value ?? "");
    case "checkbox":
      return h("input", { ...common, type: "checkbox", checked: Boolean(value) });
    case "tags":
      return h("input", { ...common, type: "text", value: (value ?? []).join(", ") });
    case "datetime":
      return h("input", { ...common, type: "datetime-local", value: toLocalInput(value) });
    case "number":
      return h("input", {
        ...common,
        type: "number",
        inputmode: "decimal",
        step: field.step ?? "any",
        min: field.min,
        max: field.max,
        value: value ?? "",
      });
    default:
      return h("input", { ...common, type: field.type ?? "text", value: value ?? "" });
  }
}

function readControl(field, control) {
  switch (field.type) {
    case "checkbox":
      return control.checked;
    case "tags":
      return control.value
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean);
    case "number": {
      if (control.value.trim() === "") return control.validity?.badInput ? control.value : null;
      const number = Number(control.value);
      return Number.isNaN(number) ? control.value : number;
    }
    case "datetime":
      return control.value ? new Date(control.value).toISOString() : null;
    default:
      return control.value.trim() === "" ? null : control.value.trim();
  }
}

function normalise(field, value) {
  if (field.type === "checkbox") return Boolean(value);
  if (field.type === "tags") return value ?? [];
  if (field.type === "datetime") return value ? new Date(value).toISOString() : null;
  return value === undefined || value === "" ? null : value;
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function toLocalInput(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}

export function nowForInput() {
  return new Date().toISOString();
}

/** Options for a select of records, with a leading "none". */
export function recordOptions(records, label, none = "— none —") {
  return [["", none], ...records.map((r) => [r.id, label(r)])];
}

export function enumOptions(values, { blank } = {}) {
  const options = values.map((v) => [v, titleCase(v)]);
  return blank === undefined ? options : [["", blank], ...options];
}
