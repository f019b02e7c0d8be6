// Activities: the workspace's timeline with a type filter, and a form to log one.

import { api, getAll } from "../api.js";
import { ACTIVITY_TYPES } from "../enums.js";
import { contactName, h, route, uid } from "../dom.js";
import {
  enumOptions,
  linkButton,
  loader,
  nowForInput,
  pager,
  recordForm,
  recordOptions,
  timeline,
  viewHeader,
} from "../ui.js";

const PAGE_SIZE = 25;
const state = { type: "", offset: 0 };

export async function list({ root, signal }) {
  const typeId = uid("filter");
  const type = h(
    "select",
    { id: typeId },
    enumOptions(ACTIVITY_TYPES, { blank: "All types" }).map(([value, label]) =>
      h("option", { value, selected: value === state.type }, label),
    ),
  );
  const results = h("div", { class: "results", "aria-live": "polite" });
  root.append(
    viewHeader("Activities", linkButton(route("activities", "new"), "Log activity", true)),
    h(
      "form",
      { class: "toolbar", onsubmit: (e) => e.preventDefault() },
      h("div", { class: "filter" }, h("label", { for: typeId }, "Type"), type),
    ),
    results,
  );
  const load = loader(results, "activities", signal);
  const refresh = () =>
    load(
      (s) =>
        Promise.all([
          api.get("/v1/crm/activities", { type: state.type, limit: PAGE_SIZE, offset: state.offset }, { signal: s }),
          // Names for the contact links; contacts past the first page show as "Contact".
          api.get("/v1/crm/contacts", { limit: 100 }, { signal: s }),
        ]),
      ([page, contacts]) => [
        timeline(page.activities, {
          names: new Map(contacts.contacts.map((c) => [c.id, contactName(c)])),
          empty: state.type ? "No activities of this type." : "No activities yet.",
        }),
        pager(page, (offset) => {
          state.offset = offset;
          refresh();
        }),
      ],
    );
  type.addEventListener("change", () => {
    state.type = type.value;
    state.offset = 0;
    refresh();
  });
  await refresh();
}

export async function form({ root, query, signal, navigate }) {
  const body = h("div");
  root.append(viewHeader("Log activity"), body);
  const contactId = query.get("contact");
  const companyId = query.get("company");
  const back = contactId ? route("contacts", contactId) : companyId ? route("companies", companyId) : route("activities");
  await loader(body, "the form", signal)(
    (s) =>
      Promise.all([
        getAll("/v1/crm/contacts", "contacts", {}, { signal: s, cap: 200 }),
        getAll("/v1/crm/companies", "companies", {}, { signal: s, cap: 200 }),
        getAll("/v1/crm/deals", "deals", {}, { signal: s, cap: 200 }),
      ]),
    ([contacts, companies, deals]) => {
      const contact = contacts.contacts.find((c) => c.id === contactId);
      return recordForm({
        values: {
          type: "note",
          contact_id: contactId,
          company_id: companyId ?? contact?.company_id,
          occurred_at: nowForInput(),
        },
        submitLabel: "Log activity",
        cancelHref: back,
        fields: [
          { name: "type", label: "Type", type: "select", options: enumOptions(ACTIVITY_TYPES) },
          { name: "subject", label: "Subject" },
          { name: "body", label: "Notes", type: "textarea" },
          { name: "occurred_at", label: "When", type: "datetime" },
          { name: "contact_id", label: "Contact", type: "select", options: recordOptions(contacts.contacts, contactName) },
          { name: "company_id", label: "Company", type: "select", options: recordOptions(companies.companies, (c) => c.name) },
          { name: "deal_id", label: "Deal", type: "select", options: recordOptions(deals.deals, (d) => d.name) },
        ],
        submit: async (activity) => {
          await api.post("/v1/crm/activities", activity);
          navigate(back);
        },
      });
    },
  );
}
