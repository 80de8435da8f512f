/**
 * The dashboard's one script, as text so `deno compile` carries it. Pages work without it; it
 * adds live run progress (EventSource on `/api/v1/runs/{id}/events`), actions in place (fetch
 * with the CSRF header, a confirmation before forcing a run outside the window), and a live
 * "next 5 runs" preview on the schedule form. Hand-written apart from the base layer's
 * formatters (embedded as their own source), no dependencies, no eval.
 * @module
 */
import { formatBytes, formatRate } from "../byte_size.ts";
import { formatElapsed, formatEta } from "../time/elapsed.ts";

/**
 * The formatters of the base layer as script text (their own source), so the live view writes
 * sizes, rates and times exactly as the server-drawn pages and the CLI do.
 */
export const CLIENT_FORMATTERS = [formatBytes, formatRate, formatEta, formatElapsed]
  .map((f) => f.toString()).join("\n") +
  "\nconst bytes = formatBytes, rate = formatRate, eta = formatEta;\n";

/** JavaScript served at `/assets/app.js` (an ES module). */
export const CLIENT_JS = `// nightpull dashboard: progressive enhancement only
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
${CLIENT_FORMATTERS}function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function setBadge(badge, status) {
  if (!badge) return;
  badge.className = "badge s-" + status;
  badge.textContent = status.replace("_", " ");
}
function summary(run) {
  const f = run.files || { total: 0, done: 0, skipped: 0 };
  let took = "";
  if (run.startedAt && run.finishedAt) {
    took = " in " + formatElapsed(Date.parse(run.finishedAt) - Date.parse(run.startedAt));
  }
  return run.status + ": " + f.done + " of " + f.total + " files (" + f.skipped +
    " already present), " + bytes(run.bytes) + " transferred" + took +
    (run.error ? " — " + run.error.code + ": " + run.error.message : "");
}

function follow(box) {
  const id = box.dataset.runId;
  const bar = box.querySelector("[data-total]");
  const text = box.querySelector("[data-total-text]");
  const list = box.querySelector("[data-files]");
  const badge = box.querySelector("[data-status]");
  const states = document.querySelector("[data-states]");
  const rows = new Map();
  let lastStatus = null;
  const es = new EventSource("/api/v1/runs/" + encodeURIComponent(id) + "/events");
  es.addEventListener("progress", (ev) => {
    const p = JSON.parse(ev.data);
    const t = p.totals;
    if (t.total > 0) { bar.max = t.total; bar.value = Math.min(t.bytes, t.total); }
    bar.setAttribute("aria-valuetext", bytes(t.bytes) + " of " + bytes(t.total));
    text.textContent = bytes(t.bytes) + " of " + bytes(t.total) + " · " + rate(t.rate) +
      " · ETA " + eta(t.eta) + " · " + t.files.done + " of " + t.files.total + " files done";
    for (const f of p.files) {
      let row = rows.get(f.path);
      if (!row) {
        row = el("div", "file");
        const name = el("div", "name", f.path);
        const pr = el("progress");
        pr.setAttribute("aria-label", f.path);
        const info = el("div", "small muted");
        row.append(name, pr, info);
        rows.set(f.path, row);
        list.append(row);
      }
      const [, pr, info] = row.children;
      if (f.total > 0) { pr.max = f.total; pr.value = Math.min(f.bytes, f.total); }
      info.textContent = bytes(f.bytes) + " of " + bytes(f.total) + " · " + rate(f.rate) +
        " · ETA " + eta(f.eta);
    }
  });
  const onState = (ev, final) => {
    const run = JSON.parse(ev.data);
    setBadge(badge, run.status);
    if (states && run.status !== lastStatus) {
      states.append(el("li", "", run.status + ": " + new Date().toLocaleString()));
    }
    lastStatus = run.status;
    if (final) {
      es.close();
      if (bar.max > 1 && run.status === "succeeded") bar.value = bar.max;
      text.textContent = summary(run);
    }
  };
  es.addEventListener("state", (ev) => onState(ev, false));
  es.addEventListener("end", (ev) => onState(ev, true));
}

async function post(form, extra) {
  const body = new FormData(form);
  for (const [k, v] of Object.entries(extra || {})) body.set(k, v);
  const res = await fetch(form.action, {
    method: "POST",
    body,
    headers: { accept: "application/json", "x-csrf-token": csrf },
    credentials: "same-origin",
  });
  return { status: res.status, data: await res.json().catch(() => ({})) };
}

function notice(message, link) {
  const box = document.querySelector("[data-notice]");
  if (!box) return;
  box.textContent = message;
  if (link) { box.append(" "); const a = el("a", "", link.text); a.href = link.href; box.append(a); }
}

function inPlace(form) {
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      const action = form.action.split("/").pop();
      let r = await post(form);
      if (r.status === 409 && r.data.error?.code === "outside_window") {
        if (!confirm(r.data.error.message + "\\n\\nRun it anyway?")) return;
        r = await post(form, { force: "1" });
      }
      if (!r.data.ok) { notice(r.data.error?.message ?? "Failed (HTTP " + r.status + ")."); return; }
      const badge = document.querySelector("h1 [data-status]");
      if (action === "pause" || action === "resume") {
        setBadge(badge, r.data.status);
        const next = action === "pause" ? "resume" : "pause";
        form.action = form.action.replace(/[a-z]+$/, next);
        if (button) button.textContent = next === "pause" ? "Pause" : "Resume";
        notice(r.data.message);
      } else if (action === "run") {
        notice(r.data.message, { href: "/runs/" + r.data.runId, text: "Follow it" });
      } else if (action === "delete") {
        if (new FormData(form).get("hard") === "1") { location.assign("/"); return; }
        setBadge(badge, "deleted");
        notice(r.data.message);
      }
    } catch (err) {
      notice("Request failed: " + err.message);
    } finally {
      if (button) button.disabled = false;
    }
  });
}

function preview(form) {
  const box = form.querySelector("[data-preview]");
  const names = ["trigger_type", "cron", "timezone", "every", "start_at", "at"];
  let timer;
  const refresh = async () => {
    const q = new URLSearchParams();
    for (const n of names) { const f = form.elements.namedItem(n); if (f && f.value) q.set(n, f.value); }
    const res = await fetch("/ui/preview?" + q, { headers: { accept: "application/json" } });
    const data = await res.json().catch(() => ({}));
    box.replaceChildren();
    if (data.runs) {
      const ol = el("ol", "small");
      for (const t of data.runs) ol.append(el("li", "", t));
      box.append(ol);
    } else if (data.message) {
      box.append(el("p", "field-error", data.message));
    }
  };
  for (const n of names) {
    const f = form.elements.namedItem(n);
    if (f) f.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 300); });
  }
}

for (const box of document.querySelectorAll("[data-run-live]")) follow(box);
for (const form of document.querySelectorAll("form[data-inplace]")) inPlace(form);
for (const form of document.querySelectorAll("form[data-schedule-form]")) preview(form);
`;
