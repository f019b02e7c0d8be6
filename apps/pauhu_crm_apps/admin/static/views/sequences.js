// Sequences: each one's steps and delays, its enrolment counts, "Run now", and the outbox.

import { api } from "../api.js";
import { dateTime, h, replace } from "../dom.js";
import { badge, errorBox, loader, notice, pager, table, viewHeader } from "../ui.js";

const OUTBOX_PAGE = 20;

export async function view({ root, signal }) {
  const runButton = h("button", { type: "button", class: "primary" }, "Run now");
  const result = h("div", { class: "run-result", "aria-live": "polite" });
  const list = h("div", { class: "sequence-list" });
  const outbox = h("div");
  root.append(
    viewHeader("Sequences", runButton),
    h("p", { class: "muted" }, "“Run now” sends every step that is due in this workspace, as the scheduled run does."),
    result,
    list,
    h("section", { "aria-labelledby": "outbox-heading" }, h("h2", { id: "outbox-heading" }, "Outbox"), outbox),
  );

  const loadList = loader(list, "sequences", signal);
  const loadOutbox = loader(outbox, "the outbox", signal);
  let outboxOffset = 0;
  const refreshList = () =>
    loadList(
      (s) => api.get("/v1/sequences", { limit: 100 }, { signal: s }),
      (page) =>
        page.sequences.length
          ? page.sequences.map(sequenceCard)
          : h("p", { class: "empty" }, "No sequences."),
    );
  const refreshOutbox = () =>
    loadOutbox(
      (s) => api.get("/v1/outbox", { limit: OUTBOX_PAGE, offset: outboxOffset }, { signal: s }),
      (page) => [
        table(
          [
            { label: "To", cell: (m) => m.to },
            {
              label: "Subject",
              cell: (m) => h("details", {}, h("summary", {}, m.subject || "(no subject)"), h("pre", { class: "mail-text" }, m.text)),
            },
            { label: "Queued", cell: (m) => dateTime(m.created_at) },
          ],
          page.outbox,
          { empty: "The outbox is empty. Messages appear here when a run sends them (mail URL outbox:).", caption: "Outbox" },
        ),
        pager(page, (offset) => {
          outboxOffset = offset;
          refreshOutbox();
        }),
      ],
    );

  runButton.addEventListener("click", async () => {
    runButton.disabled = true;
    runButton.textContent = "Running…";
    replace(result, notice("Running the sequences…"));
    try {
      const run = await api.post("/run", undefined, { signal });
      replace(result, runSummary(run));
      outboxOffset = 0;
      await Promise.all([refreshList(), refreshOutbox()]);
    } catch (error) {
      replace(result, errorBox(error));
    } finally {
      runButton.disabled = false;
      runButton.textContent = "Run now";
    }
  });

  await Promise.all([refreshList(), refreshOutbox()]);
}

function runSummary(run) {
  const parts = [
    ["Processed", run.processed],
    ["Sent", run.sent],
    ["Skipped", run.skipped],
    ["Errors", run.errors],
  ];
  if (run.uncertain !== undefined) parts.push(["Uncertain", run.uncertain]);
  return h(
    "div",
    { class: "result-box", role: "status" },
    h("strong", {}, "Run finished: "),
    h(
      "ul",
      { class: "inline-stats" },
      parts.map(([label, value]) => h("li", { "data-stat": label.toLowerCase() }, `${label} `, h("b", {}, String(value)))),
    ),
  );
}

function sequenceCard(sequence) {
  const counts = sequence.enrollment_counts;
  const headingId = `sequence-${sequence.id}`;
  return h(
    "article",
    { class: "card sequence", "aria-labelledby": headingId, "data-sequence-id": sequence.id },
    h(
      "header",
      { class: "card-header" },
      h("h2", { id: headingId }, sequence.name),
      h("span", {}, sequence.segment ? badge(sequence.segment, "segment") : null, " ", badge(sequence.status, "status")),
    ),
    sequence.description ? h("p", { class: "muted" }, sequence.description) : null,
    h(
      "dl",
      { class: "counts" },
      ["active", "completed", "stopped"].map((key) =>
        h("div", { class: `count-${key}` }, h("dt", {}, key[0].toUpperCase() + key.slice(1)), h("dd", {}, String(counts[key]))),
      ),
    ),
    h(
      "ol",
      { class: "steps" },
      sequence.steps.map((step, index) =>
        h(
          "li",
          {},
          h("span", { class: "delay" }, `Day ${step.delay_days}`),
          h("span", { class: "step-subject" }, step.subject),
          h("span", { class: "visually-hidden" }, ` (step ${index + 1})`),
        ),
      ),
    ),
  );
}
