// Every workflow of the caller, read page by page (GET /api/workflows returns 20 by default, at most 100 a page).
// The one place the web app lists workflows: pages, filters and names must see the 21st workflow too.
import { api } from "./api.js";

const PAGE = 100;

export async function allWorkflows() {
  const workflows = [];
  let nextToken;
  do {
    const page = await api("/workflows", { params: { limit: PAGE, next_token: nextToken } });
    workflows.push(...page.data);
    nextToken = page.nextToken;
  } while (nextToken);
  return workflows;
}

// id -> name of every workflow of the caller.
export async function workflowNames() {
  return new Map((await allWorkflows()).map((workflow) => [workflow.id, workflow.name]));
}
