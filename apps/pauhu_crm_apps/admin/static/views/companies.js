// Companies: a table with a target-account filter and search, a detail, a form.

import { api } from "../api.js";
import { ICP_TIERS } from "../enums.js";
import { contactName, debounce, externalLink, h, route, uid } from "../dom.js";
import {
  badge,
  contactLink,
  enumOptions,
  facts,
  linkButton,
  loader,
  pager,
  recordForm,
  segmentBadge,
  table,
  timeline,
  viewHeader,
} from "../ui.js";
import { dealsTable } from "./contacts.js";

const PAGE_SIZE = 25;
const state = { q: "", target: "", offset: 0 };

export async function list({ root, signal }) {
  const searchId = uid("filter");
  const targetId = uid("filter");
  const search = h("input", { id: searchId, type: "search", value: state.q, placeholder: "Name or domain", autocomplete: "off" });
  const target = h(
    "select",
    { id: targetId },
    h("option", { value: "", selected: state.target === "" }, "All companies"),
    h("option", { value: "true", selected: state.target === "true" }, "Target accounts only"),
  );
  const results = h("div", { class: "results", "aria-live": "polite" });
  root.append(
    viewHeader("Companies", linkButton(route("companies", "new"), "New company", true)),
    h(
      "form",
      { class: "toolbar", role: "search", onsubmit: (e) => e.preventDefault() },
      h("div", { class: "filter" }, h("label", { for: searchId }, "Search"), search),
      h("div", { class: "filter" }, h("label", { for: targetId }, "Show"), target),
    ),
    results,
  );

  const load = loader(results, "companies", signal);
  const refresh = () =>
    load(
      (s) =>
        api.get(
          "/v1/crm/companies",
          { q: state.q, target: state.target, limit: PAGE_SIZE, offset: state.offset },
          { signal: s },
        ),
      (page) => [
        table(
          [
            { label: "Name", cell: (c) => h("a", { href: route("companies", c.id) }, c.name) },
            { label: "Domain", cell: (c) => c.domain },
            { label: "Industry", cell: (c) => c.industry },
            { label: "Country", cell: (c) => c.country },
            { label: "ICP tier", cell: (c) => badge(c.icp_tier, "tier") },
            { label: "Target", cell: (c) => (c.is_target_account ? h("span", { class: "badge target" }, "Target") : "—") },
          ],
          page.companies,
          { empty: "No companies match.", caption: "Companies" },
        ),
        pager(page, (offset) => {
          state.offset = offset;
          refresh();
        }),
      ],
    );
  search.addEventListener(
    "input",
    debounce(() => {
      state.q = search.value.trim();
      state.offset = 0;
      refresh();
    }, 250),
  );
  target.addEventListener("change", () => {
    state.target = target.value;
    state.offset = 0;
    refresh();
  });
  await refresh();
}

export async function detail({ root, params: [id], signal }) {
  const header = viewHeader("Company");
  const body = h("div");
  root.append(header, body);
  await loader(body, "the company", signal)(
    (s) => api.get(`/v1/crm/companies/${encodeURIComponent(id)}`, null, { signal: s }),
    (company) => {
      header.querySelector("h1").textContent = company.name;
      header.append(
        h(
          "div",
          { class: "actions" },
          linkButton(route("companies", id, "edit"), "Edit", true),
          linkButton(`${route("activities", "new")}?company=${encodeURIComponent(id)}`, "Log activity"),
        ),
      );
      const names = new Map(company.contacts.map((c) => [c.id, contactName(c)]));
      return [
        h(
          "section",
          { class: "card", "aria-labelledby": "company-facts" },
          h("h2", { id: "company-facts" }, "Details"),
          facts([
            ["Domain", company.domain],
            ["Website", externalLink(company.website)],
            ["LinkedIn", externalLink(company.linkedin_url)],
            ["Industry", company.industry],
            ["Size", company.size],
            ["Location", [company.city, company.country].filter(Boolean).join(", ")],
            ["ICP tier", company.icp_tier ? badge(company.icp_tier, "tier") : null],
            ["Target account", company.is_target_account ? "Yes" : "No"],
            ["Owner", company.owner_id],
            ["Tags", company.tags.length ? company.tags.join(", ") : null],
            ["Description", company.description],
          ]),
        ),
        h(
          "section",
          { "aria-labelledby": "company-contacts" },
          h("h2", { id: "company-contacts" }, "Contacts"),
          table(
            [
              { label: "Name", cell: contactLink },
              { label: "E-mail", cell: (c) => c.email },
              { label: "Title", cell: (c) => c.title },
              { label: "Stage", cell: (c) => badge(c.lifecycle_stage, "stage") },
              { label: "Segment", cell: (c) => segmentBadge(c.score_segment) },
            ],
            company.contacts,
            { empty: "No contacts.", caption: "Contacts" },
          ),
        ),
        h("section", { "aria-labelledby": "company-deals" }, h("h2", { id: "company-deals" }, "Deals"), dealsTable(company.deals)),
        h(
          "section",
          { "aria-labelledby": "company-timeline" },
          h("h2", { id: "company-timeline" }, "Timeline"),
          timeline(company.activities, { names }),
        ),
      ];
    },
  );
}

export async function form({ root, params: [id], signal, navigate }) {
  const editing = id !== undefined;
  const body = h("div");
  root.append(viewHeader(editing ? "Edit company" : "New company"), body);
  await loader(body, editing ? "the company" : "the form", signal)(
    async (s) => (editing ? api.get(`/v1/crm/companies/${encodeURIComponent(id)}`, null, { signal: s }) : {}),
    (company) =>
      recordForm({
        editing,
        values: company,
        submitLabel: editing ? "Save company" : "Create company",
        cancelHref: editing ? route("companies", id) : route("companies"),
        fields: [
          { name: "name", label: "Name", required: true },
          { name: "domain", label: "Domain", help: "Like dvv.fi; a URL is shortened to its domain." },
          { name: "industry", label: "Industry" },
          { name: "size", label: "Size" },
          { name: "country", label: "Country", help: "Two letters (ISO 3166-1), like FI." },
          { name: "city", label: "City" },
          { name: "website", label: "Website", type: "url" },
          { name: "linkedin_url", label: "LinkedIn", type: "url" },
          { name: "icp_tier", label: "ICP tier", type: "select", options: enumOptions(ICP_TIERS, { blank: "— none —" }) },
          { name: "is_target_account", label: "Target account", type: "checkbox" },
          { name: "owner_id", label: "Owner" },
          { name: "tags", label: "Tags", type: "tags", help: "Separated by commas." },
          { name: "description", label: "Description", type: "textarea" },
        ],
        submit: async (changes) => {
          const saved = editing
            ? await api.put(`/v1/crm/companies/${encodeURIComponent(id)}`, changes)
            : await api.post("/v1/crm/companies", changes);
          navigate(route("companies", saved.id));
        },
      }),
  );
}
