// The emulator's page: polls /emu/state every second and acts through /emu/* POSTs.
"use strict";

const view = {
  user: localStorage.getItem("emu.user") || "U01ALICE",
  channel: localStorage.getItem("emu.channel") || "C01GENERAL",
  thread: null,
  home: false,
  version: null,
  state: null,
  modalId: null,
};

const $ = (id) => document.getElementById(id);

async function post(path, body, params) {
  const query = params ? "?" + new URLSearchParams(params) : "";
  const isBytes = body instanceof Blob || body instanceof ArrayBuffer;
  const response = await fetch(path + query, {
    method: "POST",
    headers: { "Content-Type": isBytes ? "application/octet-stream" : "application/json" },
    body: isBytes ? body : JSON.stringify(body || {}),
  });
  const data = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  if (!data.ok) throw new Error(data.error || "request failed");
  if (data.status && data.status >= 300) throw new Error(`the bot answered HTTP ${data.status}`);
  if (data.error) throw new Error(`the bot could not be reached: ${data.error}`);
  return data;
}

function ctx() {
  const s = view.state || {};
  const channels = {};
  for (const c of s.channels || []) channels[c.id] = c.name;
  return { users: s.users || {}, channels };
}

async function refresh(force) {
  const params = new URLSearchParams({ user: view.user, channel: view.channel });
  if (view.thread) params.set("thread", view.thread);
  if (!force && view.version !== null) params.set("since", view.version);
  try {
    const response = await fetch("/emu/state?" + params);
    const state = await response.json();
    if (state.unchanged) return;
    view.state = state;
    view.version = state.version;
    render();
  } catch (err) {
    $("channel-note").textContent = "emulator unreachable: " + err.message;
  }
}

// -- rendering ----------------------------------------------------------------------------
function render() {
  const s = view.state;
  $("workspace-name").textContent = s.team;
  renderUsers(s);
  renderSidebar(s);
  const channel = (s.channels || []).find((c) => c.id === view.channel);
  $("channel-title").textContent = view.home ? `${s.bot.name} — Home` : channel ? (channel.is_im ? `${s.bot.name} (direct message)` : `${channel.is_private ? "🔒" : "#"} ${channel.name}`) : "";
  $("channel-note").textContent = channel && !channel.bot_member && !channel.is_im ? `${s.bot.name} is not in this channel` : "";
  $("messages").hidden = view.home;
  $("composer").hidden = view.home;
  $("home").hidden = !view.home;
  if (view.home) renderHome(s);
  else renderMessages($("messages"), [...(s.messages || []), ...(s.ephemerals || [])], false);
  $("thread").hidden = !view.thread;
  if (view.thread) renderMessages($("thread-messages"), [...(s.thread || []), ...(s.thread_ephemerals || [])], true);
  renderModal(s.modal);
  renderDeliveries(s.deliveries || []);
}

function renderUsers(s) {
  const select = $("user-select");
  if (select.options.length) return;
  for (const [id, u] of Object.entries(s.users)) {
    if (!u.is_bot) select.append(el("option", { value: id }, u.real_name));
  }
  select.value = view.user;
}

function renderSidebar(s) {
  const item = (label, active, onclick, testid) =>
    el("li", { class: active ? "active" : "" }, el("button", { type: "button", class: "nav-item", onclick, "data-testid": testid }, label));
  $("channel-list").replaceChildren(...s.channels.filter((c) => !c.is_im).map((c) =>
    item(`${c.is_private ? "🔒" : "#"} ${c.name}`, !view.home && c.id === view.channel, () => select(c.id), `channel-${c.name}`)));
  $("dm-list").replaceChildren(...s.channels.filter((c) => c.is_im).map((c) =>
    item(`🤖 ${s.bot.name}`, !view.home && c.id === view.channel, () => select(c.id), "channel-dm")));
  $("app-list").replaceChildren(item(`🏠 ${s.bot.name} Home`, view.home, openHome, "app-home"));
}

function select(channelId) {
  view.channel = channelId;
  view.thread = null;
  view.home = false;
  localStorage.setItem("emu.channel", channelId);
  refresh(true);
}

async function openHome() {
  view.home = true;
  view.thread = null;
  await post("/emu/home", { user: view.user }).catch(showError);
  refresh(true);
}

function time(ts) {
  return new Date(parseFloat(ts) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function renderMessages(container, messages, inThread) {
  const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 40;
  messages.sort((a, b) => parseFloat(a.ts) - parseFloat(b.ts));
  container.replaceChildren(...messages.map((m) => renderMessage(m, inThread)));
  if (!messages.length) container.append(el("p", { class: "empty muted" }, "No messages yet. Say hello — mention @DocBot to ask a question, or share a file."));
  const stick = atBottom || container.dataset.rendered !== "1";
  if (stick) {
    container.scrollTop = container.scrollHeight;
    // Images grow the list after they load; keep the newest message in view.
    for (const img of container.querySelectorAll("img")) img.addEventListener("load", () => { container.scrollTop = container.scrollHeight; });
  }
  container.dataset.rendered = "1";
}

function renderMessage(m, inThread) {
  const c = ctx();
  const actions = {
    click: (element, blockId) => post("/emu/click", { channel: view.channel, message_ts: m.ts, action_id: element.action_id, value: element.value, user: view.user })
      .then(() => refresh(true)).catch(showError),
  };
  const body = m.blocks && m.blocks.length && !(m.blocks.length === 1 && m.blocks[0].type === "rich_text" && !m._is_bot)
    ? Blocks.render(m.blocks, c, actions)
    : el("div", { class: "mrkdwn", html: Mrkdwn.render(m.text || "", c) });
  const files = (m.files || []).map((f) => (f.mimetype || "").startsWith("image/")
    ? el("figure", { class: "file-image" }, el("img", { src: f._url, alt: f.title || f.name }), el("figcaption", {}, f.title || f.name))
    : el("a", { class: "file-card", href: f._url, download: f.name, "data-testid": "file-link" }, `📄 ${f.name}`, el("span", { class: "muted" }, ` ${f.pretty_type || f.filetype} · ${formatSize(f.size)}`)));
  const reactions = (m.reactions || []).map((r) => el("span", { class: "reaction", title: r.name }, `${Mrkdwn.emoji(r.name)} ${r.count}`));
  const isParent = !inThread && m.reply_count;
  const footer = el("div", { class: "message-footer" },
    reactions.length ? el("div", { class: "reactions" }, reactions) : null,
    isParent ? el("button", { type: "button", class: "link replies", "data-testid": "open-thread", onclick: () => openThread(m.ts) }, `${m.reply_count} repl${m.reply_count === 1 ? "y" : "ies"}`) : null,
    !inThread && !isParent && !m.ephemeral_for ? el("button", { type: "button", class: "link reply-link", onclick: () => openThread(m.ts) }, "Reply in thread") : null);
  return el("article", { class: `message${m._is_bot ? " bot" : ""}${m.ephemeral_for ? " ephemeral" : ""}`, "data-ts": m.ts, "data-testid": m._is_bot ? "bot-message" : "message" },
    el("div", { class: "avatar" }, m._is_bot ? "🤖" : (m._author || "?").slice(0, 1)),
    el("div", { class: "message-main" },
      el("div", { class: "message-meta" }, el("b", {}, m._author), m.bot_id ? el("span", { class: "app-tag" }, "APP") : null,
        el("span", { class: "muted" }, time(m.ts)), m.edited ? el("span", { class: "muted" }, "(edited)") : null,
        m.ephemeral_for ? el("span", { class: "muted" }, "Only visible to you") : null),
      body, files, footer));
}

function formatSize(n) {
  return n > 1048576 ? `${(n / 1048576).toFixed(1)} MB` : n > 1024 ? `${Math.round(n / 1024)} KB` : `${n} B`;
}

function openThread(ts) {
  view.thread = ts;
  refresh(true);
}

function renderHome(s) {
  const home = s.home;
  $("home").replaceChildren(home
    ? Blocks.render(home.blocks, ctx(), { click: (e) => showError(new Error("buttons on the Home tab are not emulated")) })
    : el("p", { class: "muted" }, "The bot has not published a Home tab yet."));
}

function renderModal(modal) {
  const backdrop = $("modal-backdrop");
  if (!modal) {
    backdrop.hidden = true;
    view.modalId = null;
    return;
  }
  const key = `${modal.id}:${modal.hash}:${JSON.stringify(modal.errors || {})}`;
  if (view.modalId === key) return;  // keep what the person is typing
  const form = $("modal");
  const values = {};
  for (const input of form.querySelectorAll("[data-action-id]")) values[`${input.dataset.blockId}::${input.dataset.actionId}`] = input.value;
  view.modalId = key;
  const general = (modal.errors || {})[""];
  form.replaceChildren(...[
    el("header", {}, el("h2", {}, (modal.title || {}).text || ""), el("button", { type: "button", class: "link", "aria-label": "Close", onclick: closeModal }, "✕")),
    el("div", { class: "modal-body" }, Blocks.render(modal.blocks, ctx(), { click: () => {} }, { errors: modal.errors || {}, values })),
    general ? el("p", { class: "input-error" }, general) : null,
    el("footer", {},
      el("button", { type: "button", class: "btn", onclick: closeModal }, (modal.close || {}).text || "Cancel"),
      modal.submit ? el("button", { type: "submit", class: "btn btn-primary", "data-testid": "modal-submit" }, modal.submit.text) : null),
  ].filter(Boolean));
  form.onsubmit = (event) => {
    event.preventDefault();
    const collected = {};
    for (const input of form.querySelectorAll("[data-action-id]")) {
      (collected[input.dataset.blockId] = collected[input.dataset.blockId] || {})[input.dataset.actionId] = input.value;
    }
    post("/emu/submit", { view_id: modal.id, user: view.user, values: collected }).then(() => refresh(true)).catch(showError);
  };
  backdrop.hidden = false;
}

function closeModal() {
  const modal = view.state && view.state.modal;
  if (modal) post("/emu/close", { view_id: modal.id, user: view.user }).then(() => refresh(true)).catch(showError);
}

function renderDeliveries(deliveries) {
  $("delivery-log").replaceChildren(...deliveries.slice().reverse().map((d) =>
    el("li", { class: d.status >= 200 && d.status < 300 ? "ok" : "bad" },
      el("span", { class: "status" }, d.status || "—"), ` ${d.label}`, d.retry ? ` (retry ${d.retry})` : "",
      el("span", { class: "muted" }, d.error ? ` ${d.error}` : ` ${d.ms} ms`))));
}

function showError(err) {
  const status = view.thread && document.activeElement && document.activeElement.closest("#thread") ? $("thread-status") : $("composer-status");
  status.textContent = "⚠️ " + err.message;
  status.classList.add("error");
  setTimeout(() => { status.textContent = ""; status.classList.remove("error"); }, 6000);
}

// -- composing ----------------------------------------------------------------------------
async function send(text, threadTs) {
  text = text.trim();
  if (!text) return;
  const slash = /^\/(\w+)\s*([\s\S]*)$/.exec(text);
  if (slash && !threadTs) await post("/emu/slash", { command: `/${slash[1]}`, text: slash[2], channel: view.channel, user: view.user });
  else await post("/emu/send", { channel: view.channel, user: view.user, text, thread_ts: threadTs || "" });
  refresh(true);
}

function wireComposer(formId, textId, fileId, threadOf) {
  const form = $(formId), box = $(textId);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = box.value;
    box.value = "";
    send(text, threadOf()).catch((err) => { box.value = text; showError(err); });
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  $(fileId).addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const params = { channel: view.channel, user: view.user, name: file.name, text: box.value.trim() };
    const thread = threadOf();
    if (thread) params.thread_ts = thread;
    box.value = "";
    try {
      await post("/emu/upload", await file.arrayBuffer(), params);
    } catch (err) {
      showError(err);
    }
    event.target.value = "";
    refresh(true);
  });
}

function init() {
  wireComposer("composer", "composer-text", "file-input", () => null);
  wireComposer("thread-composer", "thread-text", "thread-file-input", () => view.thread);
  $("thread-close").addEventListener("click", () => { view.thread = null; refresh(true); });
  $("user-select").addEventListener("change", (event) => {
    view.user = event.target.value;
    localStorage.setItem("emu.user", view.user);
    if (view.channel.startsWith("D")) view.channel = "D" + view.user.slice(1);
    refresh(true);
  });
  refresh(true);
  setInterval(() => refresh(false), 1000);
}

init();
