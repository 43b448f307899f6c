// flowdesk console: renders threads, cards and the side panel; live through server-sent events.
"use strict";
(() => {
  const $ = (sel) => document.querySelector(sel);
  const EXAMPLES = [
    "ask @dana to approve $1,200 for a new laptop",
    "email sam@example.com the Q3 report",
    "log 3.5h on Apollo",
    "what approvals are waiting on me?",
    "help",
  ];
  const NAME = /^[A-Za-z][\w.\-]{0,63}$/;
  const view = { connected: null, modelReady: true, user: localStorage.getItem("flowdesk.console.user") || "alex", threads: new Map(), entries: new Map(), loaded: false };
  let pending = null;

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

  async function api(path, body) {
    const init = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
    const response = await fetch(path, { credentials: "same-origin", ...init });
    if (!response.ok) {
      const text = (await response.text()) || response.statusText;
      showError(`${response.status}: ${text}`);
      throw new Error(text);
    }
    showError("");
    return response.json();
  }

  function showError(text) {
    const box = $("#error");
    box.textContent = text;
    box.hidden = !text;
  }

  const hue = (name) => [...name].reduce((sum, ch) => (sum * 31 + ch.charCodeAt(0)) % 360, 7);
  const when = (iso) => { const d = new Date(iso); return isNaN(d) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }); };

  function cardEl(card, entry) {
    const titleId = `card-${entry.id}`;
    const box = el("div", { class: "card", role: "group", "aria-labelledby": titleId }, el("h3", { id: titleId }, card.title));
    if (card.fields && card.fields.length) {
      const list = el("dl");
      for (const [name, value] of card.fields) list.append(el("dt", {}, name), el("dd", {}, value));
      box.append(list);
    }
    if (card.text) box.append(el("div", { class: "body" }, card.text));
    if (card.inputs && card.inputs.length) box.append(inputsEl(card.inputs, entry));
    if (card.buttons && card.buttons.length) {
      const row = el("div", { class: "buttons" });
      card.buttons.forEach((button, index) => {
        const node = el("button", { type: "button", class: button.style || "default" }, button.label);
        node.addEventListener("click", () => click(entry, index, row));
        row.append(node);
      });
      box.append(row);
    }
    if (card.footer) box.append(el("div", { class: "footer" }, card.footer));
    return box;
  }

  // What was typed in a card's inputs survives the re-renders of the live thread.
  const typed = new Map();
  const typedKey = (entry, name) => `${entry.id}:${name}`;

  function inputsEl(inputs, entry) {
    const form = el("div", { class: "inputs" });
    for (const item of inputs) {
      const id = `input-${entry.id}-${item.name}`;
      const key = typedKey(entry, item.name);
      const box = el("input", { type: "text", id, name: item.name, maxLength: 2000, placeholder: item.placeholder || "",
                                value: typed.has(key) ? typed.get(key) : item.value || "" });
      box.addEventListener("input", () => typed.set(key, box.value));
      form.append(el("label", { htmlFor: id }, item.label), box);
    }
    return form;
  }

  function typedIn(entry) {
    const inputs = (entry.card && entry.card.inputs) || [];
    if (!inputs.length) return undefined;
    const fields = {};
    for (const item of inputs) {
      const key = typedKey(entry, item.name);
      fields[item.name] = typed.has(key) ? typed.get(key) : item.value || "";
    }
    return fields;
  }

  const size = (n) => n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`;

  function filesEl(files) {
    return el("ul", { class: "files", "aria-label": "Files" }, ...files.map((file) => el("li", {},
      el("a", { href: `/console/api/files/${file.id}?user=${encodeURIComponent(view.user)}`, download: file.name }, file.name),
      el("span", { class: "muted small" }, ` ${size(file.size)}`))));
  }

  function nluEl(entry, busy) {
    const reading = entry.parse;
    if (!reading) return busy ? null : el("div", { class: "nlu" }, "Not read by the NLU (an answer to flowdesk's question, or refused before reading).");
    const percent = Math.round(reading.confidence * 100);
    const bar = el("span", { class: "conf", "aria-hidden": "true" }, el("span"));
    bar.firstChild.style.width = `${percent}%`;
    const summary = el("summary", {}, "NLU: ", el("span", { class: "intent" }, reading.intent), " ", bar, ` ${percent}% confidence`);
    const details = el("details", { class: "nlu" }, summary, el("pre", { "aria-label": "Arguments" }, JSON.stringify(reading.args || {}, null, 2)));
    if (reading.alternatives && reading.alternatives.length) {
      details.append(el("div", {}, "Also considered: " + reading.alternatives.map(([i, s]) => `${i} ${Math.round(s * 100)}%`).join(", ")));
    }
    const example = { text: entry.text, intent: reading.intent };
    if (reading.args && Object.keys(reading.args).length) example.args = reading.args;
    const line = JSON.stringify(example);
    const copy = el("button", { type: "button", class: "copy" }, "Copy");
    copy.addEventListener("click", async () => {
      try { await navigator.clipboard.writeText(line); copy.textContent = "Copied"; } catch (_) { copy.textContent = "Select the line to copy"; }
    });
    details.append(el("div", { class: "example" }, el("span", {}, "As a training example (JSON Lines): "), copy,
      el("code", { "aria-label": "Training example" }, line)));
    return details;
  }

  function entryEl(entry, isReply, busy) {
    const who = entry.is_bot ? "flowdesk" : entry.author;
    const meta = el("div", { class: "meta" }, el("span", { class: "author" }, who), el("time", { class: "time", dateTime: entry.at }, when(entry.at)),
      entry.private_to ? el("span", { class: "private" }, "Only visible to you") : null);
    const body = el("div", { class: "content" }, meta);
    if (entry.text && !(entry.card && [entry.card.title, entry.card.footer].includes(entry.text))) body.append(el("div", { class: "text" }, entry.text));
    if (entry.files && entry.files.length) body.append(filesEl(entry.files));
    if (entry.card) body.append(cardEl(entry.card, entry));
    if (!entry.is_bot) { const reading = nluEl(entry, busy); if (reading) body.append(reading); }
    const avatar = el("div", { class: `avatar${entry.is_bot ? " bot" : ""}`, "aria-hidden": "true" }, who.slice(0, 1).toUpperCase());
    if (!entry.is_bot) avatar.style.background = `hsl(${hue(who)} 55% 38%)`;
    return el("li", { class: `entry${isReply ? " reply" : ""}`, "data-entry": entry.id }, avatar, body);
  }

  function threadEl(id) {
    const entries = el("ol", { class: "entries" });
    const typing = el("div", { class: "typing", role: "status" });
    const input = el("input", { type: "text", placeholder: "Reply in thread…", "aria-label": "Reply in thread", autocomplete: "off" });
    const form = el("form", { class: "reply-form" }, input, el("button", { type: "submit" }, "Reply"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      say(text, id);
    });
    const node = el("li", { class: "thread", "data-thread": id }, entries, typing, form);
    return { node, entries, typing };
  }

  function renderThreads(threads, busy) {
    const list = $("#threads");
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    let grew = false;
    const alive = new Set();
    let previous = null;
    for (const thread of threads) {
      let view_ = view.threads.get(thread.id);
      if (!view_) { view_ = threadEl(thread.id); view.threads.set(thread.id, view_); grew = true; }
      const place = previous ? previous.nextSibling : list.firstChild;
      if (place !== view_.node) list.insertBefore(view_.node, place);  // moved only when out of place: a move drops the focus
      previous = view_.node;
      alive.add(thread.id);
      const isBusy = busy.includes(thread.id);
      view_.typing.textContent = isBusy ? "flowdesk is working on it…" : "";
      view_.node.setAttribute("aria-label", `Thread started by ${thread.entries[0].author}`);
      thread.entries.forEach((entry, index) => {
        const key = JSON.stringify([entry, isBusy]);
        const known = view.entries.get(entry.id);
        if (known && known.key === key && known.node.parentNode === view_.entries) return;
        const node = entryEl(entry, index > 0, isBusy);
        if (known && known.node.parentNode) replaceKeeping(known.node, node); else { view_.entries.append(node); grew = true; }
        if (!known && view.loaded && entry.is_bot) announce(entry);
        view.entries.set(entry.id, { key, node });
      });
    }
    for (const [id, thread] of view.threads) if (!alive.has(id)) { thread.node.remove(); view.threads.delete(id); }
    $("#empty").hidden = threads.length > 0;
    if (grew && (nearBottom || !view.loaded)) list.scrollTop = list.scrollHeight;
  }

  const CONTROLS = "button, input, textarea, select, a[href]";

  // An entry drawn again (its card changed, or its thread stopped being busy) keeps the
  // keyboard focus and anything typed into its fields, so a key press is never lost.
  function replaceKeeping(old, node) {
    const before = [...old.querySelectorAll(CONTROLS)];
    const after = [...node.querySelectorAll(CONTROLS)];
    before.forEach((control, i) => {
      const twin = after[i];
      const typed = control.matches("input, textarea") && control.value !== control.defaultValue;
      if (typed && twin && twin.tagName === control.tagName && twin.name === control.name) twin.value = control.value;
    });
    const focused = before.indexOf(document.activeElement);
    old.replaceWith(node);
    if (focused >= 0 && after[focused] && !after[focused].disabled) after[focused].focus();
  }

  function announce(entry) {
    $("#announce").textContent = `flowdesk: ${entry.text || (entry.card && entry.card.title) || ""}`;
  }

  function item(title, ...rest) { return el("li", {}, el("strong", {}, title), ...rest); }
  function fill(list, rows, empty) { list.replaceChildren(...(rows.length ? rows : [el("li", { class: "none" }, empty)])); }

  function renderPanel(panel) {
    fill($("#approvals"), panel.approvals.map((a) => item(`${a.ref} · ${a.subject}`,
      `${a.amount ? a.amount + " · " : ""}asked by ${a.requester}, waiting on ${a.waiting_on.join(", ") || "nobody"}`)), "None pending.");
    fill($("#records"), panel.records.map((r) => item(`${r.form} #${r.id}`,
      Object.entries(r.data || {}).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(" · "), el("div", { class: "muted small" }, `by ${r.by}`))), "No records yet.");
    fill($("#mail"), panel.mail.map((m) => el("li", { class: "mail" }, el("strong", {}, m.subject || "(no subject)"),
      el("div", {}, `To ${m.to}`), el("div", { class: "muted small" }, `From ${m.from} · ${m.date}`),
      el("details", {}, el("summary", {}, "Body"), el("pre", {}, m.text)))), "No mail yet.");
    $("#mail-where").textContent = panel.smtp ? `Mail goes to the SMTP server ${panel.smtp}; nothing is kept here.`
      : `Emails that would have been sent, from ${panel.mail_folder || "the local mail folder"}.`;
  }

  function renderPeople(people) {
    $("#people").replaceChildren(...people.map((name) => el("option", { value: name })));
    $("#quick").replaceChildren(...people.slice(0, 6).map((name) => {
      const button = el("button", { type: "button", "aria-pressed": String(name === view.user) }, name);
      button.addEventListener("click", () => switchTo(name));
      return button;
    }));
  }

  async function refresh() {
    const user = view.user;
    const [state, panel] = await Promise.all([api(`/console/api/state?user=${encodeURIComponent(user)}`), api("/console/api/panel")]);
    if (user !== view.user) return;
    view.modelReady = state.model_ready;
    showLive();
    renderPeople(state.people);
    renderThreads(state.threads, state.busy);
    renderPanel(panel);
    view.loaded = true;
  }

  function scheduleRefresh() {
    if (pending) return;
    pending = setTimeout(() => { pending = null; refresh().catch(() => {}); }, 40);
  }

  function switchTo(name) {
    if (!NAME.test(name)) { showError("A name starts with a letter and has only letters, digits, . _ -"); return; }
    view.user = name;
    localStorage.setItem("flowdesk.console.user", name);
    $("#user").value = name;
    document.title = `flowdesk console — ${name}`;
    for (const thread of view.threads.values()) thread.node.remove();
    view.threads.clear(); view.entries.clear(); view.loaded = false;
    refresh().catch(() => {});
  }

  async function say(text, thread, files) {
    if (files && files.length) {
      const form = new FormData();
      form.append("user", view.user);
      form.append("text", text);
      if (thread) form.append("thread", thread);
      for (const file of files) form.append("file", file, file.name);
      const response = await fetch("/console/api/upload", { method: "POST", body: form, credentials: "same-origin", headers: { "X-Flowdesk-Console": "1" } });
      if (!response.ok) { showError(`${response.status}: ${(await response.text()) || response.statusText}`); throw new Error("upload refused"); }
      showError("");
    } else {
      await api("/console/api/messages", { user: view.user, text, thread: thread || null });
    }
    scheduleRefresh();
  }

  function showChosen() {
    const chosen = $("#chosen");
    const names = [...$("#files").files].map((f) => `${f.name} (${size(f.size)})`);
    chosen.textContent = names.length ? `Attached: ${names.join(", ")}` : "";
    chosen.hidden = !names.length;
  }

  async function click(entry, index, row) {
    for (const button of row.querySelectorAll("button")) button.disabled = true;
    try {
      await api("/console/api/actions", { user: view.user, entry: entry.id, button: index, fields: typedIn(entry), click: crypto.randomUUID ? crypto.randomUUID() : String(Math.random()) });
    } catch (_) {
      // the error is shown; the buttons are enabled again below
    }
    // A card the click replaced is drawn anew; one it left (a rating) keeps working.
    for (const button of row.querySelectorAll("button")) button.disabled = false;
    scheduleRefresh();
  }

  function showLive() {
    const live = $("#live");
    const model = view.modelReady === false ? " · language model loading, replies wait for it" : "";
    live.textContent = view.connected ? `live${model}` : view.connected === null ? "connecting…" : "reconnecting…";
    live.classList.toggle("on", Boolean(view.connected));
  }

  function connect() {
    const source = new EventSource("/console/api/events");
    source.addEventListener("change", scheduleRefresh);
    source.onopen = () => { view.connected = true; showLive(); };
    source.onerror = () => { view.connected = false; showLive(); };
  }

  function start() {
    $("#user").value = view.user;
    $("#who").addEventListener("submit", (event) => { event.preventDefault(); switchTo($("#user").value.trim()); });
    $("#user").addEventListener("change", () => switchTo($("#user").value.trim()));
    const text = $("#text");
    const picker = $("#files");
    picker.addEventListener("change", showChosen);
    $("#composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const value = text.value.trim();
      const files = [...picker.files];
      if (!value && !files.length) return;
      text.value = "";
      picker.value = "";
      showChosen();
      say(value, null, files).catch(() => { text.value = value; });
    });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); $("#composer").requestSubmit(); }
    });
    $("#examples").replaceChildren(...EXAMPLES.map((example) => {
      const button = el("button", { type: "button" }, example);
      button.addEventListener("click", () => { text.value = example; text.focus(); });
      return el("li", {}, button);
    }));
    switchTo(view.user);
    connect();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
