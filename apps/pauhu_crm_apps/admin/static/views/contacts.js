// Contacts: a searchable, filterable table; a detail with company, deals and timeline; a form.

import { api, getAll } from "../api.js";
import { LIFECYCLE_STAGES, SEGMENTS } from "../enums.js";
import { contactName, dateTime, day, debounce, h, money, route, uid } from "../dom.js";
import {
  badge,
  contactLink,
  enumOptions,
  facts,
  linkButton,
  loader,
  pager,
  recordForm,
  recordOptions,
  segmentBadge,
  table,
  timeline,
  viewHeader,
} from "../ui.js";

const PAGE_SIZE = 25;
// Kept while the page is open, so coming back from a contact restores the search.
const state = { q: "", stage: "", segment: "", offset: 0 };

function labelled(text, control) {
  const id = uid("filter");
  control.id = id;
  return h("div", { class: "filter" }, h("label", { for: id }, text), control);
}

export async function list({ root, signal }) {
  const search = h("input", {
    type: "search",
    value: state.q,
    placeholder: "Name or e-mail",
    autocomplete: "off",
  });
  const stage = h("select", {}, enumOptions(LIFECYCLE_STAGES, { blank: "Any stage" }).map(option(state.stage)));
  const segment = h("select", {}, enumOptions(SEGMENTS, { blank: "Any segment" }).map(option(state.segment)));
  const results = h("div", { class: "results", "aria-live": "polite" });
  root.append(
    viewHeader("Contacts", linkButton(route("contacts", "new"), "New contact", true)),
    h(
      "form",
      { class: "toolbar", role: "search", onsubmit: (e) => e.preventDefault() },
      labelled("Search", search),
      labelled("Stage", stage),
      labelled("Segment", segment),
    ),
    results,
  );

  const load = loader(results, "contacts", signal);
  const refresh = () =>
    load(
      (s) =>
        api.get(
          "/v1/crm/contacts",
          { q: state.q, stage: state.stage, segment: state.segment, limit: PAGE_SIZE, offset: state.offset },
          { signal: s },
        ),
      (page) => [
        table(
          [
            { label: "Name", cell: contactLink },
            { label: "E-mail", cell: (c) => c.email },
            { label: "Title", cell: (c) => c.title },
            { label: "Stage", cell: (c) => badge(c.lifecycle_stage, "stage") },
            { label: "Score", class: "num", cell: (c) => String(c.lead_score) },
            { label: "Segment", cell: (c) => segmentBadge(c.score_segment) },
            { label: "Last activity", cell: (c) => dateTime(c.last_activity_at) },
          ],
          page.contacts,
          { empty: "No contacts match.", caption: "Contacts" },
        ),
        pager(page, (offset) => {
          state.offset = offset;
          refresh();
        }),
      ],
    );

  const searchNow = debounce(() => {
    state.q = search.value.trim();
    state.offset = 0;
    refresh();
  }, 250);
  search.addEventListener("input", searchNow);
  stage.addEventListener("change", () => {
    state.stage = stage.value;
    state.offset = 0;
    refresh();
  });
  segment.addEventListener("change", () => {
    state.segment = segment.value;
    state.offset = 0;
    refresh();
  });
  await refresh();
}

function option(selected) {
  return ([value, label]) => h("option", { value, selected: value === selected }, label);
}

export async function detail({ root, params: [id], signal }) {
  const body = h("div");
  const header = viewHeader("Contact");
  root.append(header, body);
  await loader(body, "the contact", signal)(
    (s) => api.get(`/v1/crm/contacts/${encodeURIComponent(id)}`, null, { signal: s }),
    (contact) => {
      header.querySelector("h1").textContent = contactName(contact);
      header.append(
        h(
          "div",
          { class: "actions" },
          linkButton(route("contacts", id, "edit"), "Edit", true),
          linkButton(`${route("activities", "new")}?contact=${encodeURIComponent(id)}`, "Log activity"),
          linkButton(`${route("tasks", "new")}?contact=${encodeURIComponent(id)}`, "New task"),
        ),
      );
      return [
        h(
          "div",
          { class: "detail-grid" },
          h(
            "section",
            { class: "card", "aria-labelledby": "contact-facts" },
            h("h2", { id: "contact-facts" }, "Details"),
            facts([
              ["E-mail", contact.email],
              ["Phone", contact.phone],
              ["Title", contact.title],
              ["Stage", badge(contact.lifecycle_stage, "stage")],
              ["Lead score", h("span", {}, String(contact.lead_score), " ", segmentBadge(contact.score_segment))],
              ["Scored", contact.scored_at ? dateTime(contact.scored_at) : null],
              ["Source", contact.lead_source],
              ["Owner", contact.owner_id],
              ["Tags", contact.tags.length ? contact.tags.join(", ") : null],
              ["Last activity", dateTime(contact.last_activity_at)],
              ["Unsubscribed", contact.unsubscribed_at ? dateTime(contact.unsubscribed_at) : null],
            ]),
            breakdown(contact.score_breakdown),
          ),
          h(
            "section",
            { class: "card", "aria-labelledby": "contact-company" },
            h("h2", { id: "contact-company" }, "Company"),
            contact.company
              ? [
                  h("p", { class: "lead" }, h("a", { href: route("companies", contact.company.id) }, contact.company.name)),
                  facts([
                    ["Domain", contact.company.domain],
                    ["Industry", contact.company.industry],
                    ["Country", contact.company.country],
                    ["ICP tier", contact.company.icp_tier],
                  ]),
                ]
              : h("p", { class: "empty" }, "No company."),
          ),
        ),
        h(
          "section",
          { "aria-labelledby": "contact-deals" },
          h("h2", { id: "contact-deals" }, "Deals"),
          dealsTable(contact.deals),
        ),
        h(
          "section",
          { "aria-labelledby": "contact-timeline" },
          h("h2", { id: "contact-timeline" }, "Timeline"),
          timeline(contact.activities, { names: new Map([[contact.id, contactName(contact)]]) }),
        ),
      ];
    },
  );
}

export function dealsTable(deals) {
  return table(
    [
      { label: "Deal", cell: (d) => h("a", { href: route("deals", d.id, "edit") }, d.name) },
      { label: "Stage", cell: (d) => badge(d.stage, "deal-stage") },
      { label: "Amount", class: "num", cell: (d) => money(d.amount, d.currency) },
      { label: "Probability", class: "num", cell: (d) => (d.probability === null ? "—" : `${d.probability} %`) },
      { label: "Expected close", cell: (d) => day(d.expected_close_date) },
    ],
    deals,
    { empty: "No deals.", caption: "Deals" },
  );
}

function breakdown(scoreBreakdown) {
  if (!scoreBreakdown || !scoreBreakdown.criteria?.length) return null;
  return h(
    "details",
    { class: "breakdown" },
    h("summary", {}, `Score breakdown (${scoreBreakdown.scorer})`),
    h(
      "ul",
      {},
      scoreBreakdown.criteria.map((c) =>
        h("li", {}, h("strong", {}, `${c.points} pts · ${c.key.replaceAll("_", " ")}`), c.rationale ? ` — ${c.rationale}` : null),
      ),
    ),
  );
}

export async function form({ root, params: [id], signal, navigate }) {
  const editing = id !== undefined;
  const body = h("div");
  root.append(viewHeader(editing ? "Edit contact" : "New contact"), body);
  await loader(body, editing ? "the contact" : "the form", signal)(
    (s) =>
      Promise.all([
        editing ? api.get(`/v1/crm/contacts/${encodeURIComponent(id)}`, null, { signal: s }) : {},
        getAll("/v1/crm/companies", "companies", {}, { signal: s, cap: 200 }),
      ]),
    ([contact, companies]) =>
      recordForm({
        editing,
        values: contact,
        submitLabel: editing ? "Save contact" : "Create contact",
        cancelHref: editing ? route("contacts", id) : route("contacts"),
        fields: [
          { name: "first_name", label: "First name" },
          { name: "last_name", label: "Last name" },
          { name: "email", label: "E-mail", type: "email" },
          { name: "phone", label: "Phone", type: "tel" },
          { name: "title", label: "Title" },
          {
            name: "company_id",
            label: "Company",
            type: "select",
            options: recordOptions(companies.companies, (c) => c.name),
          },
          {
            name: "lifecycle_stage",
            label: "Lifecycle stage",
            type: "select",
            options: enumOptions(LIFECYCLE_STAGES),
          },
          {
            name: "lead_score",
            label: "Lead score",
            type: "number",
            min: 0,
            max: 100,
            step: 1,
            help: "0–100. Setting it by hand overrides the scorer.",
          },
          { name: "lead_source", label: "Source" },
          { name: "owner_id", label: "Owner" },
          { name: "tags", label: "Tags", type: "tags", help: "Separated by commas." },
        ],
        submit: async (changes) => {
          const saved = editing
            ? await api.put(`/v1/crm/contacts/${encodeURIComponent(id)}`, changes)
            : await api.post("/v1/crm/contacts", changes);
          navigate(route("contacts", saved.id));
        },
      }),
  );
}
