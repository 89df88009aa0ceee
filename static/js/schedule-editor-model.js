/* The schedule editor's arithmetic, without the page: minutes since midnight in the
   event's time zone, snapping to the chosen resolution, overlaps, and the ISO times the
   PATCH API takes. Imported by schedule-editor.js. */

export const MIN_MINUTES = 5;

/* Pixels per minute at a resolution: one step is at least 20 px high. */
export function pxPerMinute(step) {
  return Math.max(20 / step, 1);
}

export function snap(minutes, step) {
  return Math.round(minutes / step) * step;
}

export function hhmm(minutes) {
  const m = ((minutes % 1440) + 1440) % 1440;
  return String(Math.floor(m / 60)).padStart(2, "0") + ":" + String(m % 60).padStart(2, "0");
}

export function parseHHMM(text) {
  const match = /^(\d{1,2}):(\d{2})/.exec(text || "");
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

/* "2026-03-10", 1470, "+09:00" → "2026-03-11T00:30:00+09:00" (past midnight: next day). */
export function isoAt(day, minutes, offset) {
  const date = new Date(day + "T00:00:00Z");
  date.setUTCDate(date.getUTCDate() + Math.floor(minutes / 1440));
  return date.toISOString().slice(0, 10) + "T" + hhmm(minutes) + ":00" + offset;
}

export function overlaps(aFrom, aTo, bFrom, bTo) {
  return aFrom < bTo && bFrom < aTo;
}

/* A preview, while dragging, of what a session placed at (room, day, from–to) would run
   into: other sessions in the room (unless it allows parallel sessions), the same speaker
   elsewhere at that time, breaks or blockers, the room's hours, too few seats. The server's
   rules (festa/program/conflicts.py) decide once the card is dropped. */
export function clashes(data, sessionId, roomId, day, from, to) {
  const room = data.rooms.find((r) => r.id === roomId);
  const moving = data.sessions.find((s) => s.id === sessionId);
  const sameTime = data.sessions.filter((s) => s.id !== sessionId && s.day === day &&
    !s.cancelled && overlaps(from, to, s.from, s.to));
  const sessions = room && room.parallel ? [] : sameTime.filter((s) => s.room_id === roomId);
  const speakers = sameTime.filter((s) =>
    s.speaker_ids.some((id) => moving.speaker_ids.includes(id)));
  const blocks = data.blocks.filter((b) =>
    b.room_id === roomId && b.day === day && overlaps(from, to, b.from, b.to));
  return {
    sessions, speakers, blocks,
    outsideHours: Boolean(room && room.has_hours && (from < room.opens || to > room.closes)),
    tooSmall: Boolean(room && room.capacity !== null && moving.seats_taken > room.capacity),
  };
}

/* The grid's first and last minute for a day: the rooms' hours, widened to whatever is
   placed outside them, in whole hours. */
export function dayRange(data, day) {
  let first = Math.min(...data.rooms.map((r) => r.opens), 8 * 60);
  let last = Math.max(...data.rooms.map((r) => r.closes), 18 * 60);
  for (const item of [...data.sessions, ...data.blocks]) {
    if (item.day === day) {
      first = Math.min(first, item.from);
      last = Math.max(last, item.to);
    }
  }
  return { first: Math.floor(first / 60) * 60, last: Math.min(Math.ceil(last / 60) * 60, 1440) };
}

export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/* Side-by-side lanes for sessions that overlap in one room (a conflict, or a room that
   allows parallel sessions): {id: {lane, lanes}}; items are {id, from, to}. */
export function lanes(items) {
  const placed = {};
  const ordered = [...items].sort((a, b) => a.from - b.from || a.to - b.to);
  let cluster = [];
  let clusterEnd = -1;
  const close = () => {
    const count = Math.max(1, ...cluster.map((id) => placed[id].lane + 1));
    for (const id of cluster) placed[id].lanes = count;
    cluster = [];
  };
  let ends = [];
  for (const item of ordered) {
    if (item.from >= clusterEnd) {
      close();
      ends = [];
    }
    let lane = ends.findIndex((end) => end <= item.from);
    if (lane === -1) lane = ends.length;
    ends[lane] = item.to;
    placed[item.id] = { lane, lanes: 1 };
    cluster.push(item.id);
    clusterEnd = Math.max(clusterEnd, item.to);
  }
  close();
  return placed;
}
