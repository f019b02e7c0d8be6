// The scoring dashboard: segment distribution (an inline SVG bar chart), top prospects, "Score now".

import { api } from "../api.js";
import { h, replace, route, svg, uid } from "../dom.js";
import { errorBox, loader, notice, segmentBadge, table, viewHeader } from "../ui.js";

export async function dashboard({ root, signal }) {
  const rescoreId = uid("rescore");
  const rescore = h("input", { id: rescoreId, type: "checkbox" });
  const scoreButton = h("button", { type: "button", class: "primary" }, "Score now");
  const result = h("div", { class: "run-result", "aria-live": "polite" });
  const body = h("div");
  root.append(
    viewHeader(
      "Lead scoring",
      h("span", { class: "filter-check" }, rescore, h("label", { for: rescoreId }, "Rescore everyone (keeps hand-set scores)")),
      scoreButton,
    ),
    result,
    body,
  );

  const load = loader(body, "the dashboard", signal);
  const refresh = () => load((s) => api.get("/dashboard", null, { signal: s }), renderDashboard);

  scoreButton.addEventListener("click", async () => {
    scoreButton.disabled = true;
    scoreButton.textContent = "Scoring…";
    replace(result, notice("Scoring contacts…"));
    try {
      const scored = await api.post("/score", undefined, {
        signal,
        query: { rescore: rescore.checked ? "true" : "" },
      });
      replace(
        result,
        h(
          "div",
          { class: "result-box", role: "status" },
          h("strong", {}, "Scoring finished: "),
          h(
            "ul",
            { class: "inline-stats" },
            h("li", { "data-stat": "scored" }, "Scored ", h("b", {}, String(scored.scored))),
            h("li", { "data-stat": "errors" }, "Errors ", h("b", {}, String(scored.errors))),
          ),
        ),
      );
      await refresh();
    } catch (error) {
      replace(result, errorBox(error));
    } finally {
      scoreButton.disabled = false;
      scoreButton.textContent = "Score now";
    }
  });
  await refresh();
}

function renderDashboard(data) {
  const scored = data.segments.reduce((sum, s) => sum + s.count, 0);
  return [
    h(
      "div",
      { class: "stats" },
      stat("Scored contacts", String(scored)),
      stat("Unscored", String(data.unscored)),
      stat("Average score", data.average_score === null ? "—" : data.average_score.toFixed(1)),
    ),
    h(
      "div",
      { class: "dashboard-grid" },
      h(
        "section",
        { class: "card", "aria-labelledby": "segments-heading" },
        h("h2", { id: "segments-heading" }, "Segments"),
        chart(data.segments),
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "prospects-heading" },
        h("h2", { id: "prospects-heading" }, "Top prospects"),
        table(
          [
            { label: "Name", cell: (p) => h("a", { href: route("contacts", p.id) }, p.name || p.email || "(no name)") },
            {
              label: "Company",
              cell: (p) => (p.company ? h("a", { href: route("companies", p.company.id) }, p.company.name) : null),
            },
            { label: "Score", class: "num", cell: (p) => String(p.lead_score) },
            { label: "Segment", cell: (p) => segmentBadge(p.score_segment) },
          ],
          data.top_prospects,
          { empty: "No scored contacts yet: press “Score now”.", caption: "Top prospects" },
        ),
      ),
    ),
  ];
}

function stat(label, value) {
  return h("div", { class: "stat" }, h("span", { class: "stat-label" }, label), h("span", { class: "stat-value" }, value));
}

/** Horizontal bars, one per segment, scaled to the largest; the counts are also text. */
function chart(segments) {
  const width = 480;
  const rowHeight = 44;
  const labelWidth = 130;
  const barSpace = width - labelWidth - 50;
  const max = Math.max(1, ...segments.map((s) => s.count));
  const description = segments.map((s) => `${s.segment} ${s.count}`).join(", ");
  return svg(
    "svg",
    {
      class: "chart",
      viewBox: `0 0 ${width} ${segments.length * rowHeight}`,
      role: "img",
      "aria-label": `Contacts per segment: ${description}`,
    },
    svg("title", {}, `Contacts per segment: ${description}`),
    segments.map((s, i) => {
      const y = i * rowHeight;
      const barWidth = Math.round((s.count / max) * barSpace);
      return svg(
        "g",
        { class: `bar bar-${s.segment}`, "data-segment": s.segment },
        svg("text", { x: 0, y: y + 20, class: "bar-label" }, `${s.segment[0].toUpperCase()}${s.segment.slice(1)}`),
        svg("text", { x: 0, y: y + 36, class: "bar-range" }, `${s.min}–${s.max}`),
        svg("rect", { x: labelWidth, y: y + 8, width: Math.max(barWidth, 2), height: 26, rx: 4, class: "bar-fill" }),
        svg("text", { x: labelWidth + Math.max(barWidth, 2) + 8, y: y + 26, class: "bar-count" }, String(s.count)),
      );
    }),
  );
}
