/* Festa schedule editor: days as tabs, rooms as columns, unscheduled sessions in a sidebar.
   Cards are dragged (interact.js, mouse and touch) or placed with the keyboard; every change
   is PATCH /api/v1/events/{slug}/sessions/{id} with the card's version, then the page
   reloads its data so conflicts show as they happen. Undo replays this page's changes
   backwards, one at a time. */
import {
  clashes, dayRange, fill, hhmm, isoAt, lanes, MIN_MINUTES, parseHHMM, pxPerMinute, snap
} from "./schedule-editor-model.js";

const root = document.getElementById("schedule-editor");
const text = JSON.parse(document.getElementById("ed-text").textContent);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const lang = document.documentElement.lang || "ko";
const $ = (id) => document.getElementById(id);

const state = {
  data: null, day: null, step: 15, selected: null, undo: [], matching: null, changed: null,
};

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) node.append(child);
  return node;
}

function say(message, kind = "info") {
  const status = $("ed-status");
  status.textContent = message;
  status.dataset.kind = kind;
}

function sessionById(id) {
  return state.data.sessions.find((s) => s.id === id);
}

function trackColor(session) {
  const track = state.data.tracks.find((t) => t.id === session.track_id);
  return track ? track.color : "#8a93a3";
}

function conflictsOf(id) {
  return state.data.conflicts.filter((c) => c.session_id === id || c.other_id === id);
}

function describe(session) {
  if (session.day === null) return text.not_scheduled;
  const room = state.data.rooms.find((r) => r.id === session.room_id);
  const day = state.data.days.find((d) => d.date === session.day);
  return [day ? day.label : session.day, hhmm(session.from) + "–" + hhmm(session.to),
    room ? room.name : ""].filter(Boolean).join(" · ");
}

/* ------------------------------------------------------------------ loading and saving */

async function load() {
  const response = await fetch(root.dataset.dataUrl + "?lang=" + lang,
    { credentials: "same-origin", headers: { Accept: "application/json" } });
  state.data = await response.json();
  const days = state.data.days.map((d) => d.date);
  if (!days.includes(state.day)) {
    const placed = state.data.sessions.find((s) => s.day !== null);
    state.day = placed ? placed.day : days[0];
  }
  render();
}

async function patch(session, body) {
  try {
    const response = await fetch(root.dataset.apiUrl + session.id + "?lang=" + lang, {
      method: "PATCH", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json",
        "X-CSRFToken": csrf },
      body: JSON.stringify(Object.assign({}, body, { version: session.version })),
    });
    return { status: response.status, body: await response.json() };
  } catch (error) {
    return { status: 0, body: { error: { message: text.offline } } };
  }
}

function placeOf(session) {
  return { day: session.day, from: session.from, to: session.to, room_id: session.room_id };
}

function confirmNotify(session) {
  if (!session.notify || session.day === null) return Promise.resolve(true);
  const dialog = $("ed-notify");
  $("ed-notify-text").textContent = fill(text.notify_one,
    { title: session.title, count: session.notify });
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
  });
}

/* Move a session to `place` ({day, from, to, room_id}; day null: unscheduled). */
async function move(session, place, { remember = true } = {}) {
  const before = placeOf(session);
  if (before.day === place.day && before.from === place.from && before.to === place.to &&
      before.room_id === place.room_id) {
    render();
    return;
  }
  if (!(await confirmNotify(session))) {
    render();
    return;
  }
  const offset = (state.data.days.find((d) => d.date === place.day) || {}).offset;
  const body = place.day === null ? { start: null, end: null, room_id: null } : {
    start: isoAt(place.day, place.from, offset), end: isoAt(place.day, place.to, offset),
    room_id: place.room_id,
  };
  const answer = await patch(session, body);
  if (answer.status === 200) {
    if (remember) state.undo.push({ id: session.id, place: before });
    const warnings = (answer.body.warnings || []).map((w) => w.message);
    say([text.moved, ...warnings].join(" "), warnings.length ? "warn" : "ok");
  } else if (answer.status === 409 || answer.status === 412) {
    state.changed = session.id;
    await load();
    const now = sessionById(session.id);
    say(fill(text.stale, { title: session.title }) + " " + (now ? describe(now) : ""), "error");
    focusCard(session.id);
    return;
  } else {
    say(text.refused + " " + answer.body.error.message, "error");
  }
  await load();
  if (state.selected === session.id) focusCard(session.id);
}

async function undo() {
  const last = state.undo.pop();
  if (!last) {
    say(text.nothing_to_undo);
    return;
  }
  const session = sessionById(last.id);
  if (session) {
    await move(session, last.place, { remember: false });
    say(text.undone + " " + $("ed-status").textContent);
  }
  $("ed-undo").disabled = state.undo.length === 0;
}

/* ------------------------------------------------------------------ drawing */

function render() {
  renderDays();
  renderGrid();
  renderSidebar();
  renderConflicts();
  renderMoveForm();
  renderBlockForm();
  $("ed-undo").disabled = state.undo.length === 0;
}

function renderDays() {
  const tabs = $("ed-days");
  tabs.textContent = "";
  for (const day of state.data.days) {
    const selected = day.date === state.day;
    const tab = el("button", { type: "button", role: "tab", "aria-selected": String(selected),
      tabindex: selected ? "0" : "-1", text: day.label, dataset: { day: day.date } });
    tab.addEventListener("click", () => { state.day = day.date; render(); });
    tab.addEventListener("keydown", (event) => {
      const index = state.data.days.indexOf(day);
      const next = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (next && state.data.days[index + next]) {
        state.day = state.data.days[index + next].date;
        render();
        tabs.querySelector('[aria-selected="true"]').focus();
      }
    });
    tabs.append(tab);
  }
}

function card(session) {
  const found = conflictsOf(session.id);
  const classes = ["ed-card"];
  if (session.cancelled) classes.push("is-cancelled");
  if (found.length) classes.push("has-conflict");
  if (found.some((c) => c.hard)) classes.push("is-hard");
  if (state.selected === session.id) classes.push("is-selected");
  if (state.changed === session.id) classes.push("is-changed");
  if (session.day !== null) classes.push("is-placed");
  const label = [session.title, describe(session), session.cancelled ? text.cancelled : "",
    ...found.map((c) => c.message)].filter(Boolean).join(". ");
  const node = el("div", {
    class: classes.join(" "), tabindex: "0", role: "button", "aria-label": label,
    "aria-pressed": String(state.selected === session.id),
    dataset: { sessionId: String(session.id), conflicts: found.map((c) => c.code).join(" ") },
  }, [
    el("span", { class: "ed-card-title", text: session.title }),
    el("span", { class: "ed-card-meta", text: [session.day !== null ?
      hhmm(session.from) + "–" + hhmm(session.to) : session.minutes + "′",
    session.kind_label, session.speakers].filter(Boolean).join(" · ") }),
  ]);
  node.style.setProperty("--track", trackColor(session));
  if (found.length) {
    node.append(el("span", { class: "ed-card-flag", title: found.map((c) => c.message).join("\n"),
      text: "⚠ " + found.length }));
  }
  if (session.day !== null) node.append(el("span", { class: "ed-resize", "aria-hidden": "true" }));
  return node;
}

function renderGrid() {
  const grid = $("ed-grid");
  grid.textContent = "";
  const { first, last } = dayRange(state.data, state.day);
  const ppm = pxPerMinute(state.step);
  grid.dataset.first = String(first);
  grid.style.setProperty("--rooms", String(state.data.rooms.length));
  const times = el("div", { class: "ed-times", "aria-hidden": "true" },
    [el("div", { class: "ed-col-head" })]);
  const timesBody = el("div", { class: "ed-col-body" });
  timesBody.style.height = (last - first) * ppm + "px";
  for (let m = first; m < last; m += state.step) {
    const mark = el("span", { class: m % 60 === 0 ? "ed-hour" : "ed-tick",
      text: m % 60 === 0 || state.step >= 30 ? hhmm(m) : "" });
    mark.style.top = (m - first) * ppm + "px";
    timesBody.append(mark);
  }
  times.append(timesBody);
  grid.append(times);
  for (const room of state.data.rooms) {
    const body = el("div", { class: "ed-col-body ed-dropzone",
      dataset: { roomId: String(room.id) } });
    body.style.height = (last - first) * ppm + "px";
    body.style.backgroundSize = "100% " + state.step * ppm + "px";
    const closed = [[first, Math.max(first, room.opens)], [Math.min(last, room.closes), last]];
    for (const [from, to] of closed) {
      if (to > from) {
        const shade = el("div", { class: "ed-closed" });
        shade.style.top = (from - first) * ppm + "px";
        shade.style.height = (to - from) * ppm + "px";
        body.append(shade);
      }
    }
    for (const block of state.data.blocks.filter((b) => b.room_id === room.id &&
        b.day === state.day)) {
      const box = el("div", { class: "ed-block ed-block-" + block.kind,
        dataset: { blockId: String(block.id) } }, [
        el("span", { text: (block.kind === "break" ? text.break : text.blocker) + ": " +
          block.title + " " + hhmm(block.from) + "–" + hhmm(block.to) }),
        el("button", { type: "button", class: "ed-block-delete", text: "×",
          "aria-label": text.delete_block + " " + block.title, dataset: { blockId: String(block.id) } }),
      ]);
      box.style.top = (block.from - first) * ppm + "px";
      box.style.height = (block.to - block.from) * ppm + "px";
      body.append(box);
    }
    const here = state.data.sessions.filter((s) => s.room_id === room.id &&
      s.day === state.day);
    const lane = lanes(here);
    for (const session of here) {
      const node = card(session);
      const { lane: index, lanes: count } = lane[session.id];
      if (count > 1) {
        node.style.left = `calc(${(100 * index) / count}% + 2px)`;
        node.style.width = `calc(${100 / count}% - 4px)`;
        node.style.right = "auto";
      }
      node.style.top = (session.from - first) * ppm + "px";
      node.style.height = Math.max((session.to - session.from) * ppm, 18) + "px";
      body.append(node);
    }
    const head = el("div", { class: "ed-col-head" }, [
      el("strong", { text: room.name }),
      el("span", { class: "ed-room-meta", text: [room.capacity !== null ?
        room.capacity + " " + text.seats : "", room.parallel ? text.parallel : ""]
        .filter(Boolean).join(" · ") }),
    ]);
    grid.append(el("section", { class: "ed-col", "aria-label": room.name,
      dataset: { roomId: String(room.id) } }, [head, body]));
  }
}

function renderSidebar() {
  const list = $("ed-unscheduled");
  list.textContent = "";
  const track = $("ed-track").value;
  const kind = $("ed-kind").value;
  fillSelect($("ed-track"), state.data.tracks.map((t) => [t.id, t.name]));
  fillSelect($("ed-kind"), state.data.kinds.map((k) => [k.value, k.label]));
  const waiting = state.data.sessions.filter((s) => s.day === null &&
    (!track || String(s.track_id) === track) && (!kind || s.kind === kind) &&
    (!state.matching || state.matching.has(s.id)));
  for (const session of waiting) list.append(el("li", {}, [card(session)]));
  if (!waiting.length) list.append(el("li", { class: "ed-empty", text: text.empty }));
}

/* Keep the first (“all”) option and the current choice; add the rest once. */
function fillSelect(select, options) {
  if (select.options.length > 1) return;
  for (const [value, label] of options) select.append(el("option", { value, text: label }));
}

function renderConflicts() {
  const list = $("ed-conflicts");
  list.textContent = "";
  $("ed-conflict-count").textContent = String(state.data.conflicts.length);
  for (const conflict of state.data.conflicts) {
    const item = el("li", { dataset: { code: conflict.code },
      class: conflict.hard ? "is-hard" : "" }, [
      el("button", { type: "button", class: "link-button", text: conflict.message,
        dataset: { sessionId: String(conflict.session_id) } }),
    ]);
    list.append(item);
  }
  if (!state.data.conflicts.length) list.append(el("li", { text: text.no_conflicts }));
}

function renderMoveForm() {
  const session = state.selected && sessionById(state.selected);
  $("ed-move").hidden = !session;
  $("ed-move-empty").hidden = Boolean(session);
  if (!session) return;
  $("ed-move-name").textContent = session.title + " — " + describe(session);
  const days = $("ed-move-day");
  days.textContent = "";
  for (const day of state.data.days) days.append(el("option", { value: day.date, text: day.label }));
  days.value = session.day || state.day;
  const rooms = $("ed-move-room");
  while (rooms.options.length > 1) rooms.remove(1);
  for (const room of state.data.rooms) rooms.append(el("option", { value: room.id, text: room.name }));
  rooms.value = session.room_id && session.day !== null ? String(session.room_id) : "";
  $("ed-move-start").value = hhmm(session.day !== null ? session.from :
    dayRange(state.data, state.day).first);
  $("ed-move-length").value = String(session.day !== null ? session.to - session.from :
    session.minutes);
  $("ed-move-form").href = session.edit_url;
}

function renderBlockForm() {
  const rooms = $("ed-block-room");
  if (rooms.options.length) return;
  for (const room of state.data.rooms) rooms.append(el("option", { value: room.id, text: room.name }));
}

function focusCard(id) {
  const node = root.querySelector(`.ed-card[data-session-id="${id}"]`);
  if (node) node.focus();
}

function select(id, { focusForm = false } = {}) {
  state.selected = id;
  render();
  if (focusForm) $("ed-move-day").focus();
  else focusCard(id);
}

/* ------------------------------------------------------------------ keyboard */

function nudge(session, key) {
  if (session.day === null) return null;
  const length = session.to - session.from;
  const rooms = state.data.rooms;
  const index = rooms.findIndex((r) => r.id === session.room_id);
  switch (key) {
    case "ArrowUp": return { ...placeOf(session), from: session.from - state.step,
      to: session.from - state.step + length };
    case "ArrowDown": return { ...placeOf(session), from: session.from + state.step,
      to: session.from + state.step + length };
    case "ArrowLeft": return rooms[index - 1] ? { ...placeOf(session), room_id: rooms[index - 1].id } : null;
    case "ArrowRight": return rooms[index + 1] ? { ...placeOf(session), room_id: rooms[index + 1].id } : null;
    default: return null;
  }
}

root.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
    event.preventDefault();
    undo();
    return;
  }
  const node = event.target.closest && event.target.closest(".ed-card");
  if (!node) return;
  const session = sessionById(Number(node.dataset.sessionId));
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    select(session.id, { focusForm: true });
  } else if (event.key === "Escape") {
    state.selected = null;
    render();
  } else {
    const place = nudge(session, event.key);
    if (place) {
      event.preventDefault();
      state.selected = session.id;
      move(session, place);
    }
  }
});

$("ed-move").addEventListener("submit", (event) => {
  event.preventDefault();
  const session = sessionById(state.selected);
  const room = $("ed-move-room").value;
  if (!room) {
    move(session, { day: null, from: null, to: null, room_id: null });
    return;
  }
  const from = parseHHMM($("ed-move-start").value);
  const length = Math.max(Number($("ed-move-length").value) || session.minutes, MIN_MINUTES);
  state.day = $("ed-move-day").value;
  move(session, { day: state.day, from, to: from + length, room_id: Number(room) });
});

$("ed-move-form").addEventListener("keydown", (event) => {
  if (event.key === "Escape") focusCard(state.selected);
});

root.addEventListener("click", (event) => {
  const remove = event.target.closest(".ed-block-delete");
  if (remove) {
    deleteBlock(remove.dataset.blockId);
    return;
  }
  const link = event.target.closest("#ed-conflicts button");
  if (link) {
    const session = sessionById(Number(link.dataset.sessionId));
    if (session && session.day) state.day = session.day;
    select(session.id);
    return;
  }
  const node = event.target.closest(".ed-card");
  if (node && !node.classList.contains("is-dragging")) select(Number(node.dataset.sessionId));
});

$("ed-undo").addEventListener("click", undo);
$("ed-step").addEventListener("change", () => { state.step = Number($("ed-step").value); render(); });
$("ed-track").addEventListener("change", renderSidebar);
$("ed-kind").addEventListener("change", renderSidebar);

let searchTimer = null;
$("ed-search").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const query = $("ed-search").value.trim();
    if (!query) {
      state.matching = null;
    } else {
      const response = await fetch(root.dataset.searchUrl + "?q=" + encodeURIComponent(query),
        { credentials: "same-origin", headers: { Accept: "application/json" } });
      state.matching = new Set((await response.json()).ids);
    }
    renderSidebar();
  }, 200);
});

/* ------------------------------------------------------------------ breaks and blockers */

async function send(url, method, body) {
  const response = await fetch(url, { method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json",
      "X-CSRFToken": csrf }, body: body ? JSON.stringify(body) : undefined });
  return { status: response.status, body: await response.json() };
}

$("ed-block").addEventListener("submit", async (event) => {
  event.preventDefault();
  const offset = state.data.days.find((d) => d.date === state.day).offset;
  const from = parseHHMM($("ed-block-start").value);
  const to = parseHHMM($("ed-block-end").value);
  const answer = await send(root.dataset.blocksUrl, "POST", {
    kind: $("ed-block-kind").value, title_ko: $("ed-block-title-ko").value,
    title_en: $("ed-block-title-en").value, room_id: Number($("ed-block-room").value),
    all_rooms: $("ed-block-all").checked,
    start: isoAt(state.day, from, offset), end: isoAt(state.day, to, offset),
  });
  say(answer.status === 201 ? text.moved : text.refused + " " + answer.body.error.message,
    answer.status === 201 ? "ok" : "error");
  await load();
});

async function deleteBlock(id) {
  const answer = await send(root.dataset.blocksUrl + "/" + id, "DELETE");
  say(answer.status === 200 ? text.moved : answer.body.error.message);
  await load();
}

/* ------------------------------------------------------------------ dragging */

function dropTarget(x, y) {
  for (const node of document.elementsFromPoint(x, y)) {
    if (node.closest("#ed-sidebar")) return { sidebar: true };
    const column = node.closest(".ed-col-body.ed-dropzone");
    if (column) return { column };
  }
  return null;
}

/* Where a card dragged with its top at `top` (viewport px) lands in `column`. */
function placeIn(column, top, session) {
  const ppm = pxPerMinute(state.step);
  const first = Number($("ed-grid").dataset.first);
  const from = first + snap((top - column.getBoundingClientRect().top) / ppm, state.step);
  const length = session.day !== null ? session.to - session.from : session.minutes;
  return { day: state.day, from, to: from + length, room_id: Number(column.dataset.roomId) };
}

function showDragConflict(node, session, target, top) {
  node.classList.remove("is-conflict");
  node.removeAttribute("data-drop");
  if (!target || !target.column) return;
  const place = placeIn(target.column, top, session);
  const found = clashes(state.data, session.id, place.room_id, place.day, place.from, place.to);
  const names = [...found.sessions.map((s) => s.title),
    ...found.speakers.map((s) => text.same_speaker + " " + s.title),
    ...found.blocks.map((b) => b.title),
    ...(found.outsideHours ? [text.outside_hours] : []),
    ...(found.tooSmall ? [text.too_small] : [])];
  node.dataset.drop = hhmm(place.from) + "–" + hhmm(place.to);
  if (names.length) {
    node.classList.add("is-conflict");
    say(text.conflict_while_dragging + " " + names.join(", "), "warn");
  }
}

const drag = { node: null, session: null, top: 0, left: 0 };

window.interact(".ed-card").draggable({
  ignoreFrom: ".ed-resize",
  listeners: {
    start(event) {
      const node = event.target;
      const rect = node.getBoundingClientRect();
      drag.node = node;
      drag.session = sessionById(Number(node.dataset.sessionId));
      drag.top = rect.top;
      drag.left = rect.left;
      node.classList.add("is-dragging");
      node.style.width = rect.width + "px";
      node.style.height = rect.height + "px";
      node.style.left = rect.left + "px";
      node.style.top = rect.top + "px";
      document.body.append(node);
    },
    move(event) {
      drag.top += event.dy;
      drag.left += event.dx;
      drag.node.style.top = drag.top + "px";
      drag.node.style.left = drag.left + "px";
      showDragConflict(drag.node, drag.session, dropTarget(event.clientX, event.clientY), drag.top);
    },
    end(event) {
      const target = dropTarget(event.clientX, event.clientY);
      const session = drag.session;
      drag.node.remove();
      drag.node = null;
      if (!target) {
        render();
      } else if (target.sidebar) {
        move(session, { day: null, from: null, to: null, room_id: null });
      } else {
        move(session, placeIn(target.column, drag.top, session));
      }
    },
  },
}).resizable({
  edges: { bottom: ".ed-resize" },
  listeners: {
    move(event) {
      event.target.style.height = event.rect.height + "px";
    },
    end(event) {
      const session = sessionById(Number(event.target.dataset.sessionId));
      const ppm = pxPerMinute(state.step);
      const length = Math.max(snap(event.rect.height / ppm, state.step), state.step);
      move(session, { ...placeOf(session), to: session.from + length });
    },
  },
});

load();
