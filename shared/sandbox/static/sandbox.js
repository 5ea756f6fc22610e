// The sandbox page: act as a person in the emulator's Telegram, live by server-sent events.
"use strict";
const API = "/sandbox/api";
const state = { person: null, chat: null, people: [], chats: [], seen: {}, replyTo: null,
                selected: null, view: null };
const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const kid of kids) if (kid !== null && kid !== undefined) node.append(kid);
  return node;
};
const esc = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
const COLORS = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];

async function call(path, body) {
  const opts = body === undefined ? {} : { method: "POST", body: JSON.stringify(body),
                                          headers: { "content-type": "application/json" } };
  const res = await fetch(API + path, opts);
  const data = await res.json();
  if (!data.ok) { toast(data.error || "refused", true); throw new Error(data.error); }
  return data;
}

function toast(text, alert = false) {
  const t = el("div", { class: "toast" + (alert ? " alert" : "") }, text);
  $("#toasts").append(t);
  setTimeout(() => t.remove(), alert ? 5000 : 2500);
}

// --- Telegram's entities to HTML (offsets in UTF-16 units, as JavaScript strings count) ------
function wrap(e, inner, text) {
  switch (e.type) {
    case "bold": return `<b>${inner}</b>`;
    case "italic": return `<i>${inner}</i>`;
    case "underline": return `<u>${inner}</u>`;
    case "strikethrough": return `<s>${inner}</s>`;
    case "spoiler": return `<span class="spoiler">${inner}</span>`;
    case "code": return `<code>${inner}</code>`;
    case "pre": return `<pre>${inner}</pre>`;
    case "blockquote": case "expandable_blockquote": return `<blockquote>${inner}</blockquote>`;
    case "text_link": return `<a href="${esc(e.url)}" target="_blank" rel="noopener">${inner}</a>`;
    case "url": return `<a href="${esc(text)}" target="_blank" rel="noopener">${inner}</a>`;
    default: return inner;
  }
}
function renderText(text, entities) {
  const list = (entities || []).slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
  const build = (start, end, items) => {
    let out = "", pos = start, i = 0;
    while (i < items.length) {
      const e = items[i], stop = e.offset + e.length;
      if (e.offset < pos) { i++; continue; }
      out += esc(text.slice(pos, e.offset));
      const inner = [];
      let j = i + 1;
      while (j < items.length && items[j].offset < stop) inner.push(items[j++]);
      out += wrap(e, build(e.offset, stop, inner), text.slice(e.offset, stop));
      pos = stop; i = j;
    }
    return out + esc(text.slice(pos, end));
  };
  return build(0, text.length, list);
}

// --- people and chats -------------------------------------------------------------------------
async function loadPeople() {
  const data = await call("/people");
  state.people = data.people;
  showClock(data.clock, data.clock_offset_s);
  $("#jobs").replaceChildren(...data.jobs.map((j) =>
    el("button", { "data-job": j.name, onclick: () => runJob(j) }, j.label)));
  $("#people").replaceChildren(...state.people.map((p, i) =>
    el("button", { class: "person" + (p.id === state.person ? " active" : ""), "data-person": p.id,
                   onclick: () => pickPerson(p.id) },
       el("span", { class: "avatar", style: `background:${COLORS[i % COLORS.length]}` }, p.name[0]),
       el("span", {}, p.name, el("span", { class: "role" }, p.role)))));
  if (state.person === null && state.people.length) await pickPerson(state.people[0].id);
}

async function pickPerson(id) {
  state.person = id;
  state.chat = null;
  state.replyTo = null;
  document.querySelectorAll(".person").forEach((b) =>
    b.classList.toggle("active", Number(b.dataset.person) === id));
  await refresh();
  if (!state.chat && state.chats.length) await pickChat(state.chats[0].key);
}

function seenKey(key) { return `${state.person}|${key}`; }

async function loadChats() {
  const data = await call(`/chats?person=${state.person}`);
  state.chats = data.chats;
  $("#chats").replaceChildren(...state.chats.map((c) => {
    if (c.key === state.chat) state.seen[seenKey(c.key)] = c.others;
    const unread = c.others - (state.seen[seenKey(c.key)] || 0);
    const icon = c.kind === "private" ? "🤖" : c.kind === "channel" ? "📢" : "👥";
    return el("button", { class: "chat-item" + (c.key === state.chat ? " active" : ""),
                          "data-chat": c.key, onclick: () => pickChat(c.key) },
      el("span", { class: "avatar", style: "background:#65aadd" }, icon),
      el("span", { class: "meta" }, c.title, el("span", { class: "preview" }, c.preview)),
      unread > 0 ? el("span", { class: "badge", "data-unread": unread }, String(unread)) : null);
  }));
}

async function pickChat(key) {
  state.chat = key;
  state.replyTo = null;
  state.selected = null;
  await refresh();
  $("#composer-input").focus();
}

// --- one chat -----------------------------------------------------------------------------------
function media(m) {
  const file = (id) => `${API}/file/${encodeURIComponent(id)}`;
  if (m.photo) return el("img", { src: file(m.photo[m.photo.length - 1].file_id), alt: "photo" });
  if (m.video || m.animation) return el("video", { src: file((m.video || m.animation).file_id), controls: "" });
  if (m.voice || m.audio) return el("audio", { src: file((m.voice || m.audio).file_id), controls: "" });
  if (m.document) return el("a", { href: file(m.document.file_id), target: "_blank" },
                            "📄 " + (m.document.file_name || "document"));
  if (m.contact) return el("div", {}, `📱 Contact: ${m.contact.first_name} ${m.contact.phone_number}`);
  if (m.video_note) return el("video", { src: file(m.video_note.file_id), controls: "" });
  return null;
}

function bubble(m) {
  const box = el("div", { class: "bubble", onclick: () => inspect(m.message_id) });
  if (!m._mine && state.view && state.view.key.startsWith("g")) box.append(el("div", { class: "sender" }, m._sender));
  if (m.reply_to_message) {
    const r = m.reply_to_message;
    box.append(el("div", { class: "quote" }, (r.text || r.caption || "[media]").slice(0, 90)));
  }
  const shown = media(m);
  if (shown) box.append(shown);
  const body = el("div", { class: "text" });
  if (m.text !== undefined) body.innerHTML = renderText(m.text, m.entities);
  else if (m.caption) body.innerHTML = renderText(m.caption, m.caption_entities);
  else if (m.migrate_to_chat_id || m.migrate_from_chat_id) body.textContent = "The group was upgraded to a supergroup";
  box.append(body);
  const when = new Date(m.date * 1000).toTimeString().slice(0, 5);
  box.append(el("span", { class: "time" + (m.edit_date ? " edited" : "") }, (m.edit_date ? "edited " : "") + when));
  return box;
}

function inlineKeyboard(m) {
  const rows = (m.reply_markup && m.reply_markup.inline_keyboard) || [];
  if (!rows.length) return null;
  return el("div", { class: "inline" }, ...rows.map((row) => el("div", { class: "irow" },
    ...row.map((b) => b.url
      ? el("a", { class: "inline-btn", href: b.url, target: "_blank", rel: "noopener", "data-url": b.url }, b.text + " ↗")
      : el("button", { class: "inline-btn", "data-data": b.callback_data || "",
                       onclick: () => press(m.message_id, b) }, b.text)))));
}

function renderChat(view) {
  state.view = view;
  const info = state.chats.find((c) => c.key === view.key) || {};
  $("#chat-title").textContent = info.title || view.key;
  $("#chat-sub").textContent = info.kind === "private" ? "bot" : info.kind || "";
  const box = $("#messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren(...view.messages.map((m) => el("div", {
      class: "msg" + (m._mine ? " mine" : "") + (state.selected === m.message_id ? " selected" : ""),
      "data-id": m.message_id },
    bubble(m), inlineKeyboard(m),
    el("div", { class: "tools" }, el("button", { class: "link reply-btn", title: "Reply",
      onclick: (ev) => { ev.stopPropagation(); replyTo(m); } }, "↩")))));
  if (!view.messages.length) box.append(el("div", { class: "empty" }, info.kind === "private" ? "Send /start to begin" : "No messages yet"));
  if (atBottom || box.dataset.chat !== view.key) box.scrollTop = box.scrollHeight;
  box.dataset.chat = view.key;
  const kb = view.keyboard ? view.keyboard.keyboard : [];
  $("#keyboard").replaceChildren(...kb.map((row) => el("div", { class: "krow" },
    ...row.map((b) => { const label = typeof b === "string" ? b : b.text;
      return el("button", { class: "kb-btn", "data-contact": b.request_contact ? "1" : null,
                            onclick: () => b.request_contact ? shareContact() : send(label) }, label); }))));
  $("#composer").hidden = !view.writable;
  $("#readonly").hidden = view.writable;
  $("#replying").hidden = !state.replyTo;
}

async function refresh() {
  if (state.person === null) return;
  await loadChats();
  if (state.chat) renderChat(await call(`/messages?person=${state.person}&chat=${encodeURIComponent(state.chat)}`));
  await loadChats();  // the chat just seen has no unread messages
}

// --- acting ---------------------------------------------------------------------------------------
function replyTo(m) {
  state.replyTo = m.message_id;
  $("#replying-text").textContent = "Reply to: " + (m.text || m.caption || "[media]").slice(0, 80);
  $("#replying").hidden = false;
  $("#composer-input").focus();
}
async function send(text) {
  if (!text.trim()) return;
  await call("/act/send", { person: state.person, chat: state.chat, text, reply_to: state.replyTo });
  state.replyTo = null;
  $("#replying").hidden = true;
}
async function shareContact() { await call("/act/contact", { person: state.person, chat: state.chat }); }
async function press(messageId, button) {
  await call("/act/press", { person: state.person, chat: state.chat, message_id: messageId,
                             data: button.callback_data });
}
async function upload(file) {
  const buffer = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < buffer.length; i += 0x8000) binary += String.fromCharCode(...buffer.subarray(i, i + 0x8000));
  const caption = $("#composer-input").value;
  await call("/act/upload", { person: state.person, chat: state.chat, file_name: file.name,
                              mime_type: file.type || null, caption, content: btoa(binary),
                              reply_to: state.replyTo });
  $("#composer-input").value = "";
  state.replyTo = null;
}

// --- inspector, clock, reset, transcript --------------------------------------------------------------
async function inspect(messageId) {
  state.selected = messageId;
  document.querySelectorAll(".msg").forEach((m) => m.classList.toggle("selected", Number(m.dataset.id) === messageId));
  const data = await call(`/inspect?chat=${encodeURIComponent(state.chat)}&message_id=${messageId}`);
  $("#inspector").textContent = data.entry ? JSON.stringify(data.entry, null, 2) : "Nothing recorded for this message.";
}
function showClock(iso, offset) {
  const shift = offset ? ` (moved +${Math.round(offset / 60)} min)` : "";
  $("#clock").textContent = new Date(iso).toString().slice(0, 24) + shift;
}
async function runJob(job) {
  const data = await call(`/jobs/${job.name}`, {});
  toast(`${job.label}: ran` + (data.result !== null && data.result !== undefined ? ` (${data.result})` : ""));
}
async function advance(body) {
  await call("/clock", body);
  await loadPeople();
}

function listen() {
  const source = new EventSource(`${API}/events`);
  let pending = null;
  source.onmessage = (ev) => {
    const data = JSON.parse(ev.data);
    if (data.toast && (data.person === null || data.person === state.person)) toast(data.toast, data.alert);
    if (data.clock) loadPeople();
    if (data.reset) { state.seen = {}; loadPeople(); }
    if (data.v !== undefined && !pending) pending = setTimeout(() => { pending = null; refresh(); }, 60);
  };
}

$("#composer").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const input = $("#composer-input");
  const text = input.value;
  input.value = "";
  await send(text);
});
$("#attach").addEventListener("change", async (ev) => {
  const file = ev.target.files[0];
  ev.target.value = "";
  if (file) await upload(file);
});
$("#reply-cancel").addEventListener("click", () => { state.replyTo = null; $("#replying").hidden = true; });
$("#add-person").addEventListener("click", async () => {
  const name = prompt("Name of the new person");
  if (name === null) return;
  const data = await call("/people", { name });
  await loadPeople();
  await pickPerson(data.person.id);
});
$("#reset").addEventListener("click", async () => {
  $("#reset").disabled = true;
  try { await call("/reset", {}); state.seen = {}; await loadPeople(); await pickPerson(state.person); toast("A fresh sandbox"); }
  finally { $("#reset").disabled = false; }
});
$("#load").addEventListener("change", async (ev) => {
  const file = ev.target.files[0];
  ev.target.value = "";
  if (!file) return;
  let body;
  try { body = JSON.parse(await file.text()); } catch { toast("Not a JSON file", true); return; }
  toast("Replaying…");
  const data = await call("/transcript", body);
  state.seen = {};
  await loadPeople();
  await refresh();
  toast(`Replayed ${data.replayed} actions`);
});
document.querySelectorAll("[data-advance]").forEach((b) =>
  b.addEventListener("click", () => advance({ seconds: Number(b.dataset.advance) })));
$("#clock-next").addEventListener("click", () => advance({ to: "next_post" }));
$("#inspect-all").addEventListener("click", async () => {
  const data = await call("/inspect");
  $("#inspector").textContent = JSON.stringify(data.entries.slice(-30), null, 2);
});
$("#copy").addEventListener("click", async () => {
  const text = $("#inspector").textContent;
  try { await navigator.clipboard.writeText(text); toast("Copied"); }
  catch { const r = document.createRange(); r.selectNodeContents($("#inspector"));
          getSelection().removeAllRanges(); getSelection().addRange(r); toast("Selected: press Ctrl+C"); }
});

loadPeople().then(listen);
