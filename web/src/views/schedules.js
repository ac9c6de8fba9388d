// A workflow's schedules, on its page: each one's expression and zone, its next run in your local time and in the
// schedule's own zone, pause/resume and delete; "Add schedule" opens a dialog (the API's 422 message is shown as is).
import { api } from "../api.js";
import { dialog, field, flash, h } from "../ui.js";

const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

// `iso` (an instant) on the clock of `timeZone` (undefined: the browser's), with the zone's short name.
export function inZone(iso, timeZone) {
  if (!iso) return "—";
  const options = { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
  try {
    return new Date(iso).toLocaleString(undefined, timeZone ? { ...options, timeZone } : options);
  } catch {
    return iso;
  }
}

function bodyOf(schedule, changes) {
  const { expression, timezone, input_data, enabled, overlap } = schedule;
  return { expression, timezone, input_data, enabled, overlap, ...changes };
}

async function addDialog(workflowId, onDone) {
  const expression = h("input", { type: "text", required: true, maxlength: 256, value: "cron(0 2 * * ? *)", spellcheck: "false", autocomplete: "off" });
  const timezone = h("input", { type: "text", required: true, maxlength: 64, value: LOCAL_ZONE, spellcheck: "false", autocomplete: "off" });
  const skip = h("input", { type: "checkbox" });
  const body = h("div", {},
    field("Expression", expression, "rate(5 minutes) · cron(minutes hours day-of-month month day-of-week year), one of the two days “?” · at(2026-12-24T18:00:00)"),
    field("Time zone", timezone, "An IANA name, e.g. Europe/Paris (the schedule runs on that zone's clock, DST included)"),
    h("div", { class: "field" }, h("label", {}, skip, " Skip a run while the previous one is still going (overlap: skip)")));
  const created = await dialog("Add schedule", body, {
    confirmText: "Add",
    onConfirm: async () => (await api(`/workflows/${workflowId}/schedules`, {
      method: "POST",
      body: { expression: expression.value.trim(), timezone: timezone.value.trim(), overlap: skip.checked ? "skip" : "allow" },
    })).data,
  });
  if (created) { flash("Schedule added.", "info"); await onDone(); }
}

async function setEnabled(workflowId, schedule, enabled, onDone) {
  try {
    await api(`/workflows/${workflowId}/schedules/${schedule.id}`, { method: "PUT", body: bodyOf(schedule, { enabled }) });
    flash(enabled ? "Schedule resumed." : "Schedule paused.", "info");
  } catch (error) {
    flash(error.message);
  }
  await onDone();
}

async function removeDialog(workflowId, schedule, onDone) {
  const done = await dialog("Delete this schedule?", h("p", {}, `${schedule.expression} (${schedule.timezone}) will start no more runs.`),
    { confirmText: "Delete", danger: true, onConfirm: () => api(`/workflows/${workflowId}/schedules/${schedule.id}`, { method: "DELETE" }) });
  if (done) { flash("Schedule deleted.", "info"); await onDone(); }
}

function table(workflowId, schedules, refresh) {
  if (schedules.length === 0) return h("p", { class: "muted" }, "No schedules: this workflow runs when you start it.");
  return h("table", { class: "table schedules" },
    h("caption", { class: "visually-hidden" }, "Schedules of this workflow"),
    h("thead", {}, h("tr", {},
      ["Expression", "Zone", "Next run (your time)", "Next run (schedule's zone)", "State", "Last run"].map((title) => h("th", { scope: "col" }, title)),
      h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
    h("tbody", {}, schedules.map((schedule) => h("tr", {},
      h("td", {}, h("code", {}, schedule.expression)),
      h("td", {}, schedule.timezone),
      h("td", {}, inZone(schedule.next_run_at)),
      h("td", {}, inZone(schedule.next_run_at, schedule.timezone)),
      h("td", {}, schedule.enabled ? "active" : "paused", schedule.overlap === "skip" ? " · skips overlaps" : "",
        schedule.last_skipped_at ? h("span", { class: "muted small" }, ` (last skipped ${inZone(schedule.last_skipped_at)})`) : null),
      h("td", {}, schedule.last_execution_id
        ? h("a", { href: `#/executions/${schedule.last_execution_id}` }, inZone(schedule.last_run_at))
        : "—"),
      h("td", { class: "actions" },
        h("button", { type: "button", "aria-label": `${schedule.enabled ? "Pause" : "Resume"} ${schedule.expression}`,
          onclick: () => setEnabled(workflowId, schedule, !schedule.enabled, refresh) }, schedule.enabled ? "Pause" : "Resume"),
        h("button", { type: "button", class: "danger", "aria-label": `Delete schedule ${schedule.expression}`,
          onclick: () => removeDialog(workflowId, schedule, refresh) }, "Delete"))))));
}

// The section the workflow page mounts: filled once the schedules are read, again after each change.
export function schedulesSection(workflowId) {
  const section = h("section", { class: "schedules-section", "aria-labelledby": "schedules-heading" });
  const refresh = async () => {
    let schedules;
    try {
      schedules = (await api(`/workflows/${workflowId}/schedules`)).data;
    } catch (error) {
      section.replaceChildren(h("h2", { id: "schedules-heading" }, "Schedules"), h("p", { class: "field-error" }, error.message));
      return;
    }
    section.replaceChildren(
      h("div", { class: "page-head" }, h("h2", { id: "schedules-heading" }, "Schedules"),
        h("button", { type: "button", onclick: () => addDialog(workflowId, refresh) }, "Add schedule")),
      table(workflowId, schedules, refresh));
    section.dataset.ready = "schedules";
  };
  refresh();
  return section;
}
