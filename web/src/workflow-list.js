// Every workflow of the caller, read page by page (GET /api/workflows returns 20 by default, at most 100 a page).
// The one place the web app lists workflows: pages, filters and names must see the 21st workflow too.
import { api } from "./api.js";

const PAGE = 100;
const MAX_PAGES = 100; // 10,000 workflows: a cursor that never ends must not hang the page

export async function allWorkflows() {
  const workflows = [];
  let nextToken;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await api("/workflows", { params: { limit: PAGE, next_token: nextToken } });
    workflows.push(...answer.data);
    nextToken = answer.nextToken;
    if (!nextToken) break;
  }
  return workflows;
}

// id -> name of every workflow of the caller.
export async function workflowNames() {
  return new Map((await allWorkflows()).map((workflow) => [workflow.id, workflow.name]));
}
