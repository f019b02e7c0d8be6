// Deals: the pipeline board (one column per stage, totals from the API's `pipeline`), moving a
// deal with a control or by dragging it, and the deal form.

import { api, getAll } from "../api.js";
import { DEAL_STAGE_LABELS, DEAL_STAGES } from "../enums.js";
import { contactName, day, h, money, replace, route } from "../dom.js";
import {
  errorBox,
  linkButton,
  loader,
  notice,
  recordForm,
  recordOptions,
  viewHeader,
} from "../ui.js";

const OPEN_STAGES = DEAL_STAGES.filter((s) => !s.startsWith("closed_"));
// The deals on the board, by id, for drops (a drop carries only the id).
const dealsById = new Map();

export async function board({ root, signal }) {
  const status = h("div", { class: "board-status", "aria-live": "polite" });
  const body = h("div");
  root.append(viewHeader("Pipeline", linkButton(route("deals", "new"), "New deal", true)), status, body);
  const load = loader(body, "the pipeline", signal);
  let focusAfter = null;

  async function move(deal, stage) {
    if (deal.stage === stage) return;
    replace(status, notice(`Moving “${deal.name}” to ${DEAL_STAGE_LABELS[stage]}…`));
    try {
      await api.put(`/v1/crm/deals/${encodeURIComponent(deal.id)}`, { stage }, { signal });
    } catch (error) {
      replace(status, errorBox(error));
      return;
    }
    replace(status, notice(`Moved “${deal.name}” to ${DEAL_STAGE_LABELS[stage]}.`));
    focusAfter = deal.id;
    await refresh();
  }

  const refresh = () =>
    load(
      (s) =>
        Promise.all([
          getAll("/v1/crm/deals", "deals", {}, { signal: s }),
          getAll("/v1/crm/companies", "companies", {}, { signal: s, cap: 200 }),
        ]),
      ([page, companies]) => {
        dealsById.clear();
        const companyNames = new Map(companies.companies.map((c) => [c.id, c.name]));
        const rendered = renderBoard(page, companyNames, move);
        if (focusAfter) {
          const id = focusAfter;
          focusAfter = null;
          queueMicrotask(() => rendered.querySelector(`[data-deal-id="${CSS.escape(id)}"] select`)?.focus());
        }
        return rendered;
      },
    );
  await refresh();
}

function renderBoard(page, companyNames, move) {
  const summary = new Map(page.pipeline.map((p) => [p.stage, p]));
  const open = OPEN_STAGES.map((s) => summary.get(s)).filter(Boolean);
  const openTotal = open.reduce((sum, p) => sum + p.total_amount, 0);
  const openWeighted = open.reduce((sum, p) => sum + p.weighted_amount, 0);
  const byStage = new Map(DEAL_STAGES.map((s) => [s, []]));
  for (const deal of page.deals) byStage.get(deal.stage)?.push(deal);

  return h(
    "div",
    {},
    h(
      "p",
      { class: "pipeline-summary" },
      h("span", {}, "Open pipeline: ", h("strong", { class: "open-total" }, money(openTotal))),
      h("span", {}, "Weighted: ", h("strong", { class: "open-weighted" }, money(openWeighted))),
      h("span", {}, `${page.total} deals in all`),
    ),
    h(
      "div",
      { class: "board" },
      DEAL_STAGES.map((stage) => column(stage, summary.get(stage), byStage.get(stage), companyNames, move)),
    ),
  );
}

function column(stage, summary, deals, companyNames, move) {
  const headingId = `stage-${stage}`;
  const list = h(
    "ol",
    { class: "cards" },
    deals.map((deal) => h("li", {}, card(deal, companyNames, move))),
  );
  const section = h(
    "section",
    { class: `column column-${stage}`, "aria-labelledby": headingId, "data-stage": stage },
    h(
      "header",
      { class: "column-header" },
      h("h2", { id: headingId }, DEAL_STAGE_LABELS[stage], " ", h("span", { class: "count" }, String(summary?.count ?? 0))),
      h(
        "dl",
        { class: "column-totals" },
        h("div", {}, h("dt", {}, "Total"), h("dd", { class: "total" }, money(summary?.total_amount ?? 0))),
        h("div", {}, h("dt", {}, "Weighted"), h("dd", { class: "weighted" }, money(summary?.weighted_amount ?? 0))),
      ),
    ),
    deals.length ? list : h("p", { class: "empty" }, "No deals"),
  );
  // Dragging is a shortcut; the select on each card does the same from the keyboard.
  section.addEventListener("dragover", (event) => {
    if (event.dataTransfer?.types.includes("application/x-pauhu-deal")) {
      event.preventDefault();
      section.classList.add("drop-target");
    }
  });
  section.addEventListener("dragleave", () => section.classList.remove("drop-target"));
  section.addEventListener("drop", (event) => {
    section.classList.remove("drop-target");
    const id = event.dataTransfer?.getData("application/x-pauhu-deal");
    const deal = dealsById.get(id);
    if (deal) {
      event.preventDefault();
      move(deal, stage);
    }
  });
  return section;
}

function card(deal, companyNames, move) {
  dealsById.set(deal.id, deal);
  const selectId = `move-${deal.id}`;
  const select = h(
    "select",
    { id: selectId },
    DEAL_STAGES.map((s) => h("option", { value: s, selected: s === deal.stage }, DEAL_STAGE_LABELS[s])),
  );
  const button = h("button", { type: "submit", class: "small" }, "Move");
  const form = h(
    "form",
    { class: "move", method: "post" },
    h("label", { for: selectId, class: "visually-hidden" }, `Stage of ${deal.name}`),
    select,
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    await move(deal, select.value);
    button.disabled = false;
  });
  const article = h(
    "article",
    { class: "deal-card", draggable: "true", "data-deal-id": deal.id },
    h("h3", {}, h("a", { href: route("deals", deal.id, "edit") }, deal.name)),
    h("p", { class: "deal-amount" }, money(deal.amount, deal.currency), deal.probability !== null ? h("span", { class: "muted" }, ` · ${deal.probability} %`) : null),
    deal.company_id
      ? h("p", { class: "deal-company" }, h("a", { href: route("companies", deal.company_id) }, companyNames.get(deal.company_id) ?? "Company"))
      : null,
    deal.expected_close_date ? h("p", { class: "muted" }, "Closes ", day(deal.expected_close_date)) : null,
    form,
  );
  article.addEventListener("dragstart", (event) => {
    event.dataTransfer.setData("application/x-pauhu-deal", deal.id);
    event.dataTransfer.effectAllowed = "move";
  });
  return article;
}

export async function form({ root, params: [id], query, signal, navigate }) {
  const editing = id !== undefined;
  const body = h("div");
  root.append(viewHeader(editing ? "Edit deal" : "New deal"), body);
  await loader(body, editing ? "the deal" : "the form", signal)(
    (s) =>
      Promise.all([
        editing ? api.get(`/v1/crm/deals/${encodeURIComponent(id)}`, null, { signal: s }) : {},
        getAll("/v1/crm/companies", "companies", {}, { signal: s, cap: 200 }),
        getAll("/v1/crm/contacts", "contacts", {}, { signal: s, cap: 200 }),
      ]),
    ([deal, companies, contacts]) => {
      const values = editing
        ? deal
        : { company_id: query.get("company"), contact_id: query.get("contact"), currency: "EUR", stage: "lead" };
      const fields = [
        { name: "name", label: "Name", required: true },
        { name: "company_id", label: "Company", type: "select", options: recordOptions(companies.companies, (c) => c.name) },
        { name: "contact_id", label: "Contact", type: "select", options: recordOptions(contacts.contacts, contactName) },
        { name: "stage", label: "Stage", type: "select", options: DEAL_STAGES.map((s) => [s, DEAL_STAGE_LABELS[s]]) },
        { name: "amount", label: "Amount", type: "number", min: 0, step: "0.01" },
        { name: "currency", label: "Currency", help: "ISO 4217, like EUR." },
        { name: "probability", label: "Probability (%)", type: "number", min: 0, max: 100, step: 1 },
        { name: "expected_close_date", label: "Expected close", type: "date" },
        { name: "owner_id", label: "Owner" },
      ];
      if (editing) {
        fields.push(
          { name: "actual_close_date", label: "Closed on", type: "date" },
          { name: "lost_reason", label: "Lost reason", type: "textarea" },
        );
      }
      return recordForm({
        editing,
        values,
        fields,
        submitLabel: editing ? "Save deal" : "Create deal",
        cancelHref: route("deals"),
        submit: async (changes) => {
          if (editing) await api.put(`/v1/crm/deals/${encodeURIComponent(id)}`, changes);
          else await api.post("/v1/crm/deals", changes);
          navigate(route("deals"));
        },
      });
    },
  );
}
