// flowdesk console · models: the registry's versions, promotion (guarded) and rollback.
"use strict";
(() => {
  const $ = (sel) => document.querySelector(sel);
  const GUARDED = [["intent_accuracy", "held_out_intent_accuracy"], ["oos_recall", "held_out_oos_recall"],
    ["frame_accuracy", null], ["slot_f1", null]];

  function el(tag, props = {}, ...kids) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "class") node.className = value;
      else if (key.startsWith("aria-") || key.startsWith("data-")) node.setAttribute(key, value);
      else node[key] = value;
    }
    for (const kid of kids) if (kid !== null && kid !== undefined && kid !== "") node.append(kid);
    return node;
  }

  function showError(text) { $("#error").textContent = text; $("#error").hidden = !text; }

  async function api(path, body) {
    const init = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
    const response = await fetch(path, { credentials: "same-origin", ...init });
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (!response.ok) throw new Error((data && data.error) || text || response.statusText);
    return data;
  }

  const metric = (v, [name, fallback]) => {
    const m = v.metrics || {};
    const value = (m.eval || {})[name] ?? m[name] ?? (fallback ? m[fallback] : undefined);
    return typeof value === "number" ? value.toFixed(3) : "–";
  };
  const size = (n) => n == null ? "no: needs shared storage" : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`;
  const when = (iso) => { const d = new Date(iso); return isNaN(d) ? iso : d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }); };

  function row(v, busy) {
    const promote = el("button", { type: "button", class: "primary", disabled: v.serving || busy }, "Promote");
    promote.setAttribute("aria-label", `Promote ${v.version}`);
    promote.addEventListener("click", () => act(`/console/api/models/promote`,
      { version: v.version, force: $("#force").checked, margin: Number($("#margin").value) },
      (r) => `Version ${r.version} serves now${r.forced ? " (forced)" : ""}; replicas swap within seconds.`));
    const name = el("th", { scope: "row" }, el("code", {}, v.version), v.serving ? el("span", { class: "badge" }, "serving") : null,
      el("div", { class: "muted small" }, v.name));
    return el("tr", { class: v.serving ? "serving" : "" }, name, el("td", {}, v.parent || "–"), el("td", { class: "when" }, when(v.created_at)),
      el("td", {}, el("code", { title: v.data_sha256 || "" }, (v.data_sha256 || "–").slice(0, 12))),
      ...GUARDED.map((g) => el("td", {}, metric(v, g))), el("td", {}, v.eval_file ? el("code", {}, v.eval_file) : "–"),
      el("td", {}, size(v.stored_bytes)), el("td", {}, promote));
  }

  let busy = false;
  async function refresh() {
    const data = await api("/console/api/models");
    const configured = data.configured ? `the configured model (${data.configured})` : "the shipped model";
    const serving = data.serving ? `Version ${data.serving} is promoted.` : `No version is promoted: ${configured} serves.`;
    const here = data.here && data.here !== data.serving ? ` This process still serves ${data.here}; it swaps within seconds.` : "";
    $("#serving").textContent = serving + here;
    $("#rollback").disabled = busy || !data.serving;
    $("#versions tbody").replaceChildren(...data.versions.slice().reverse().map((v) => row(v, busy)));
    $("#none").hidden = data.versions.length > 0;
    $("#history").replaceChildren(...data.history.map((h) => el("li", {},
      `${when(h.at)}: ${h.kind === "promote" ? "promoted" : "rolled back to"} ${h.version || "the configured model"}`,
      h.previous ? ` (was ${h.previous})` : "", h.forced ? " — forced" : "")));
  }

  async function act(path, body, done) {
    busy = true;
    showError("");
    $("#result").textContent = body.version ? `Measuring and promoting ${body.version}…` : "Rolling back…";
    await refresh().catch(() => {});
    try {
      $("#result").textContent = done(await api(path, body));
    } catch (error) {
      $("#result").textContent = "";
      showError(error.message);
    }
    busy = false;
    await refresh().catch((error) => showError(error.message));
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("#rollback").addEventListener("click", () => act("/console/api/models/rollback", {},
      (r) => `Rolled back: ${r.version ? `version ${r.version}` : "the configured model"} serves now.`));
    refresh().catch((error) => showError(error.message));
    setInterval(() => { if (!busy) refresh().catch(() => {}); }, 5000);
  });
})();
