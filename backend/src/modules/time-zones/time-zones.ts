import { HttpError } from "../../http/errors.js";

/**
 * Times are stored in UTC and shown in the edition's IANA zone. Every time in a response is
 * a pair: `startsAt` (UTC, `Z`) and `startsAtLocal` (the edition's wall clock with its
 * offset, e.g. `2025-03-30T03:30:00+02:00`), so a client never has to know the zone rules.
 *
 * Input: an ISO instant with `Z` or an offset is taken as is; a local wall-clock time with
 * no offset (`2025-03-30T14:00`) is read in the edition's zone, and refused when the zone
 * skips it (spring-forward gap) or repeats it (fall-back overlap) unless an offset says which.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+/-]*$/.test(timeZone)) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(instant: Date, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) if (p.type !== "literal") parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** Offset of `timeZone` from UTC at `instant`, in minutes (Amsterdam in summer: 120). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, "0");

/** `2025-03-30T03:30:00+02:00`: the wall clock in `timeZone` with its offset. */
export function toLocalIso(instant: Date, timeZone: string): string {
  const w = wallClock(instant, timeZone);
  const off = offsetMinutes(instant, timeZone);
  const sign = off < 0 ? "-" : "+";
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${sign}${pad(Math.trunc(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

/** Both renderings of an instant, as every response carries them. */
export function utcAndLocal(instant: Date, timeZone: string): { utc: string; local: string } {
  return { utc: instant.toISOString(), local: toLocalIso(instant, timeZone) };
}

const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** True for the two accepted input shapes (zod uses it; the zone is applied in the service). */
export function isInstantInput(value: string): boolean {
  return WITH_OFFSET.test(value) || LOCAL.test(value);
}

/**
 * Reads an input time: an instant with Z/offset as is, or a local time in `timeZone`.
 * `field` names the input in the 422 when a local time does not exist or is ambiguous.
 */
export function parseInstant(value: string, timeZone: string, field: string): Date {
  if (WITH_OFFSET.test(value)) {
    const d = new Date(value);
    if (Number.isNaN(d.getTime())) throw invalidTime(field, "is not a valid date-time");
    return d;
  }
  const m = LOCAL.exec(value);
  if (!m) throw invalidTime(field, "must be an ISO 8601 date-time, with Z or an offset, or a local time like 2025-07-04T21:30");
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const naive = Date.UTC(year, month - 1, day, hour, minute, second);
  if (Number.isNaN(naive) || new Date(naive).getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw invalidTime(field, "is not a valid date-time");
  }
  // The wall clock maps to naive - offset for whichever offsets the zone uses around it.
  const candidates = new Set<number>();
  for (const probe of [naive - 86_400_000, naive, naive + 86_400_000]) {
    const instant = naive - offsetMinutes(new Date(probe), timeZone) * 60_000;
    const w = wallClock(new Date(instant), timeZone);
    if (Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) === naive) candidates.add(instant);
  }
  if (candidates.size === 0) {
    throw new HttpError(422, "nonexistent_local_time", `${field}: ${value} does not exist in ${timeZone} (the clocks skip it)`, [
      { field, message: `does not exist in ${timeZone}: daylight-saving gap` },
    ]);
  }
  if (candidates.size > 1) {
    throw new HttpError(422, "ambiguous_local_time", `${field}: ${value} happens twice in ${timeZone}; add an offset to say which`, [
      { field, message: `is ambiguous in ${timeZone}: add an offset` },
    ]);
  }
  return new Date([...candidates][0]!);
}

function invalidTime(field: string, message: string): HttpError {
  return new HttpError(400, "invalid_input", `${field} ${message}`, [{ field, message }]);
}
