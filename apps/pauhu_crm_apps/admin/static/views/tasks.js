// Tasks: overdue ones highlighted (by the API's own `overdue=true`), done in one click.

import { api, getAll } from "../api.js";
import { TASK_PRIORITIES, TASK_STATUSES } from "../enums.js";
import { contactName, day, h, replace, route, uid } from "../dom.js";
import {
  badge,
  enumOptions,
  errorBox,
  linkButton,
  loader,
  notice,
  pager,
  recordForm,
  recordOptions,
  table,
  viewHeader,
} from "../ui.js";

const PAGE_SIZE = 25;
const state = { status: "", overdue: false, offset: 0 };

export async function list({ root, signal }) {
  const statusId = uid("filter");
  const overdueId = uid("filter");
  const status = h(
    "select",
    { id: statusId },
    enumOptions(TASK_STATUSES, { blank: "Any status" }).map(([value, label]) =>
      h("option", { value, selected: value === state.status }, label),
    ),
  );
  const overdue = h("input", { id: overdueId, type: "checkbox", checked: state.overdue });
  const message = h("div", { class: "board-status", "aria-live": "polite" });
  const results = h("div", { class: "results" });
  root.append(
    viewHeader("Tasks", linkButton(route("tasks", "new"), "New task", true)),
    h(
      "form",
      { class: "toolbar", onsubmit: (e) => e.preventDefault() },
      h("div", { class: "filter" }, h("label", { for: statusId }, "Status"), status),
      h("div", { class: "filter filter-check" }, overdue, h("label", { for: overdueId }, "Overdue only")),
    ),
    message,
    results,
  );

  const load = loader(results, "tasks", signal);
  const refresh = () =>
    load(
      (s) =>
        Promise.all([
          api.get(
            "/v1/crm/tasks",
            { status: state.status, overdue: state.overdue ? "true" : "", limit: PAGE_SIZE, offset: state.offset },
            { signal: s },
          ),
          getAll("/v1/crm/tasks", "tasks", { overdue: "true" }, { signal: s, cap: 500 }),
          api.get("/v1/crm/contacts", { limit: 100 }, { signal: s }),
        ]),
      ([page, overdueTasks, contacts]) => {
        const late = new Set(overdueTasks.tasks.map((t) => t.id));
        const names = new Map(contacts.contacts.map((c) => [c.id, contactName(c)]));
        return [
          table(
            [
              {
                label: "Task",
                cell: (t) =>
                  h(
                    "span",
                    {},
                    h("span", { class: "task-title" }, t.title),
                    t.description ? h("span", { class: "muted block" }, t.description) : null,
                  ),
              },
              {
                label: "Due",
                cell: (t) =>
                  h("span", {}, day(t.due_date), late.has(t.id) ? h("span", { class: "badge overdue-badge" }, "Overdue") : null),
              },
              { label: "Priority", cell: (t) => badge(t.priority, "priority") },
              { label: "Status", cell: (t) => badge(t.status, "status") },
              { label: "Assigned to", cell: (t) => t.assigned_to },
              {
                label: "Contact",
                cell: (t) => (t.contact_id ? h("a", { href: route("contacts", t.contact_id) }, names.get(t.contact_id) ?? "Contact") : null),
              },
              { label: "", class: "actions-cell", cell: (t) => doneButton(t) },
            ],
            page.tasks,
            {
              empty: "No tasks match.",
              caption: "Tasks",
              rowClass: (t) => [late.has(t.id) ? "overdue" : "", t.status === "done" ? "done" : ""].join(" ").trim() || null,
            },
          ),
          pager(page, (offset) => {
            state.offset = offset;
            refresh();
          }),
        ];
      },
    );

  function doneButton(task) {
    if (task.status === "done") return h("span", { class: "muted" }, "Done");
    const button = h("button", { type: "button", class: "small", "aria-label": `Mark “${task.title}” done` }, "Mark done");
    button.addEventListener("click", async () => {
      button.disabled = true;
      button.textContent = "Saving…";
      try {
        await api.put(`/v1/crm/tasks/${encodeURIComponent(task.id)}`, { status: "done" }, { signal });
      } catch (error) {
        replace(message, errorBox(error));
        button.disabled = false;
        button.textContent = "Mark done";
        return;
      }
      replace(message, notice(`Marked “${task.title}” done.`));
      await refresh();
    });
    return button;
  }

  status.addEventListener("change", () => {
    state.status = status.value;
    state.offset = 0;
    refresh();
  });
  overdue.addEventListener("change", () => {
    state.overdue = overdue.checked;
    state.offset = 0;
    refresh();
  });
  await refresh();
}

export async function form({ root, query, signal, navigate }) {
  const body = h("div");
  root.append(viewHeader("New task"), body);
  const contactId = query.get("contact");
  const back = contactId ? route("contacts", contactId) : route("tasks");
  await loader(body, "the form", signal)(
    (s) => getAll("/v1/crm/contacts", "contacts", {}, { signal: s, cap: 200 }),
    (contacts) =>
      recordForm({
        values: { contact_id: contactId, priority: "medium", status: "todo" },
        submitLabel: "Create task",
        cancelHref: back,
        fields: [
          { name: "title", label: "Title", required: true },
          { name: "description", label: "Description", type: "textarea" },
          { name: "due_date", label: "Due", type: "date" },
          { name: "priority", label: "Priority", type: "select", options: enumOptions(TASK_PRIORITIES) },
          { name: "status", label: "Status", type: "select", options: enumOptions(TASK_STATUSES) },
          { name: "assigned_to", label: "Assigned to" },
          { name: "contact_id", label: "Contact", type: "select", options: recordOptions(contacts.contacts, contactName) },
        ],
        submit: async (task) => {
          await api.post("/v1/crm/tasks", task);
          navigate(back);
        },
      }),
  );
}
