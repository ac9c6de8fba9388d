// The HTTP API client: same origin, Bearer ID token, readable errors, 401 -> sign-in keeping the location.
import { currentToken, signOut } from "./auth.js";

export class ApiError extends Error {
  constructor(status, message, detail) {
    super(message);
    this.status = status;
    this.detail = detail || [];
  }
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

function readable(status, body) {
  if (status === 422 && Array.isArray(body?.detail) && body.detail.length) {
    // Each item's `message` names the field as people do (steps[0] "Load order".config.expression: ...).
    return body.detail.map((item) => item.message || `${(item.loc || []).filter((part) => part !== "body").join(".")}: ${item.msg}`).join("; ");
  }
  if (body?.message && body.message !== "Not Found") return body.message;
  return { 404: "Not found (it may have been deleted, or belong to someone else)", 409: "Not possible in its current state",
    413: "Too large", 503: "The service is busy; try again in a few seconds" }[status] || `Request failed (${status})`;
}

export function redirectToSignIn() {
  signOut();
  if (location.hash.startsWith("#/signin")) return; // another request got there first, keeping the place
  const here = location.hash.slice(1);
  location.hash = `#/signin${here ? `?next=${encodeURIComponent(here)}` : ""}`;
}

export async function api(path, { method = "GET", params, body, headers = {} } = {}) {
  const token = await currentToken();
  if (!token) {
    redirectToSignIn();
    throw new ApiError(401, "Your session has ended: please sign in again");
  }
  let response;
  try {
    response = await fetch(`/api${path}${query(params)}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, "The API could not be reached: check your connection");
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (response.status === 401) {
    redirectToSignIn();
    throw new ApiError(401, "Your session has ended: please sign in again");
  }
  if (!response.ok) throw new ApiError(response.status, readable(response.status, data), data?.detail);
  return { data, nextToken: response.headers.get("X-Next-Token"), status: response.status };
}
