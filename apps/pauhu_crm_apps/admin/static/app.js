// The admin page: settings (workspace, API key) and a hash router over the views.

import { isAbort, settings, WORKSPACE_PATTERN } from "./api.js";
import { h, replace } from "./dom.js";
import { errorBox } from "./ui.js";
import * as activities from "./views/activities.js";
import * as companies from "./views/companies.js";
import * as contacts from "./views/contacts.js";
import * as deals from "./views/deals.js";
import * as scoring from "./views/scoring.js";
import * as sequences from "./views/sequences.js";
import * as tasks from "./views/tasks.js";

const ID = "([^/]+)";
const ROUTES = [
  ["contacts", "^contacts$", contacts.list],
  ["contacts", "^contacts/new$", contacts.form],
  ["contacts", `^contacts/${ID}/edit$`, contacts.form],
  ["contacts", `^contacts/${ID}$`, contacts.detail],
  ["companies", "^companies$", companies.list],
  ["companies", "^companies/new$", companies.form],
  ["companies", `^companies/${ID}/edit$`, companies.form],
  ["companies", `^companies/${ID}$`, companies.detail],
  ["deals", "^deals$", deals.board],
  ["deals", "^deals/new$", deals.form],
  ["deals", `^deals/${ID}/edit$`, deals.form],
  ["activities", "^activities$", activities.list],
  ["activities", "^activities/new$", activities.form],
  ["tasks", "^tasks$", tasks.list],
  ["tasks", "^tasks/new$", tasks.form],
  ["sequences", "^sequences$", sequences.view],
  ["scoring", "^scoring$", scoring.dashboard],
].map(([nav, pattern, view]) => ({ nav, pattern: new RegExp(pattern), view }));

const NAV_LABELS = {
  contacts: "Contacts",
  companies: "Companies",
  deals: "Deals",
  activities: "Activities",
  tasks: "Tasks",
  sequences: "Sequences",
  scoring: "Scoring",
};

let current = null;
let firstRender = true;

function parseHash() {
  if (!location.hash.startsWith("#/")) return null;
  const [path, query = ""] = location.hash.slice(2).split("?");
  return { path, query: new URLSearchParams(query) };
}

function markNav(nav) {
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.nav === nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function welcome() {
  return h(
    "section",
    { class: "welcome" },
    h("h1", { tabindex: "-1" }, "Choose a workspace"),
    h(
      "p",
      {},
      "Enter a workspace id (like ws-pauhu) at the top of the page and press “Use”. ",
      "If the server runs in api_key mode, also paste the workspace's API key. ",
      "Both are kept in this browser only.",
    ),
  );
}

async function render() {
  const parsed = parseHash();
  if (!parsed) {
    // "#main" (the skip link) is not a route; an empty hash opens the contacts.
    if (location.hash === "" || location.hash === "#") location.replace("#/contacts");
    return;
  }
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const main = document.getElementById("main");
  const match = ROUTES.find((r) => r.pattern.test(parsed.path));
  markNav(match?.nav);

  if (!settings.workspace) {
    document.title = "Pauhu CRM admin";
    replace(main, welcome());
    focusHeading(main);
    document.getElementById("workspace").focus();
    return;
  }
  if (!match) {
    document.title = "Not found · Pauhu CRM admin";
    replace(
      main,
      h("h1", { tabindex: "-1" }, "Not found"),
      h("p", {}, "This page does not exist. ", h("a", { href: "#/contacts" }, "Go to the contacts.")),
    );
    focusHeading(main);
    return;
  }
  document.title = `${NAV_LABELS[match.nav]} · ${settings.workspace} · Pauhu CRM admin`;
  const params = parsed.path.match(match.pattern).slice(1).map(decodeURIComponent);
  const root = h("div", { class: `view view-${match.nav}` });
  replace(main, root);
  const context = {
    root,
    params,
    query: parsed.query,
    signal: controller.signal,
    navigate: (hash) => {
      location.hash = hash;
    },
  };
  const pending = match.view(context);
  focusHeading(root); // the view's heading is there before its first request
  try {
    await pending;
  } catch (error) {
    if (!isAbort(error) && !controller.signal.aborted) root.append(errorBox(error));
  }
}

function focusHeading(container) {
  // Keyboard and screen reader users land on the new view, except on the first load.
  if (firstRender) {
    firstRender = false;
    return;
  }
  container.querySelector("h1")?.focus({ preventScroll: false });
}

function setUpSettings() {
  const form = document.getElementById("settings");
  const workspace = document.getElementById("workspace");
  const apiKey = document.getElementById("api-key");
  const error = document.getElementById("workspace-error");
  const list = document.getElementById("workspaces");

  function fill() {
    workspace.value = settings.workspace;
    apiKey.value = settings.apiKey;
    replace(list, settings.recent().map((w) => h("option", { value: w })));
  }
  fill();

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const id = workspace.value.trim();
    if (!WORKSPACE_PATTERN.test(id)) {
      workspace.setAttribute("aria-invalid", "true");
      replace(error, "Use 2–63 lower-case letters, digits or hyphens (like ws-pauhu).");
      workspace.focus();
      return;
    }
    workspace.removeAttribute("aria-invalid");
    replace(error);
    settings.save(id, apiKey.value.trim());
    fill();
    firstRender = false;
    render();
  });
}

setUpSettings();
window.addEventListener("hashchange", render);
render();
