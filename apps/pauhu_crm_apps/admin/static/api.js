// Talking to the API: the workspace and API key travel in headers, never in a URL.

// This file is <root>/admin/static/api.js, so the API is two levels up: the page also
// works when the app is mounted under a prefix (/crm/admin/ talks to /crm/v1/...).
const ROOT = new URL("../../", import.meta.url);

const KEYS = {
  workspace: "pauhu-crm.workspace",
  apiKey: "pauhu-crm.api-key",
  recent: "pauhu-crm.recent-workspaces",
};
export const WORKSPACE_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

function read(key, fallback = "") {
  try {
    return window.localStorage.getItem(key) ?? fallback;
  } catch {
    return fallback; // storage disabled: the settings last for this page only
  }
}

function write(key, value) {
  try {
    if (value) window.localStorage.setItem(key, value);
    else window.localStorage.removeItem(key);
  } catch {
    /* storage disabled */
  }
}

let current = { workspace: read(KEYS.workspace), apiKey: read(KEYS.apiKey) };

export const settings = {
  get workspace() {
    return current.workspace;
  },
  get apiKey() {
    return current.apiKey;
  },
  recent() {
    try {
      const list = JSON.parse(read(KEYS.recent, "[]"));
      return Array.isArray(list) ? list.filter((w) => typeof w === "string") : [];
    } catch {
      return [];
    }
  },
  save(workspace, apiKey) {
    current = { workspace, apiKey };
    write(KEYS.workspace, workspace);
    write(KEYS.apiKey, apiKey);
    const recent = [workspace, ...this.recent().filter((w) => w !== workspace)].slice(0, 10);
    write(KEYS.recent, JSON.stringify(recent));
  },
};

/** A failed request, carrying the API's error code, message and field details. */
export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = Array.isArray(details) ? details : [];
  }
}

export function isAbort(error) {
  return error?.name === "AbortError";
}

async function request(method, path, { query, body, signal } = {}) {
  if (!settings.workspace) {
    throw new ApiError(0, "no_workspace", "Choose a workspace first (at the top of the page).");
  }
  const url = new URL(path.replace(/^\//, ""), ROOT);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") {
      url.searchParams.set(name, String(value));
    }
  }
  const headers = { Accept: "application/json", "X-Workspace-ID": settings.workspace };
  if (settings.apiKey) headers.Authorization = `Bearer ${settings.apiKey}`;
  const init = { method, headers, signal, cache: "no-store", credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }

  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError(0, "network", `Could not reach the server (${error.message}).`);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = data?.error;
    throw new ApiError(
      response.status,
      error?.code ?? "http_error",
      error?.message ?? `The server answered ${response.status} ${response.statusText}.`,
      error?.details,
    );
  }
  return data;
}

export const api = {
  get: (path, query, options) => request("GET", path, { ...options, query }),
  post: (path, body, options) => request("POST", path, { ...options, body }),
  put: (path, body, options) => request("PUT", path, { ...options, body }),
  del: (path, options) => request("DELETE", path, options),
};

/** Every page of a list (up to `cap` records), for the pipeline board and pickers. */
export async function getAll(path, key, query = {}, { signal, cap = 1000 } = {}) {
  const first = await api.get(path, { ...query, limit: 100, offset: 0 }, { signal });
  const records = [...first[key]];
  while (records.length < Math.min(first.total, cap)) {
    const next = await api.get(path, { ...query, limit: 100, offset: records.length }, { signal });
    if (next[key].length === 0) break;
    records.push(...next[key]);
  }
  return { ...first, [key]: records };
}
