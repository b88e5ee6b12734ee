import { Temporal } from "temporal-polyfill";
import { HttpError } from "../../http/errors.js";

/**
 * Times are stored in UTC and shown in the edition's IANA zone. Every time in a response is
 * a pair: `startsAt` (UTC, `Z`) and `startsAtLocal` (the edition's wall clock with its
 * offset, e.g. `2025-03-30T03:30:00+02:00`), so a client never has to know the zone rules.
 *
 * Input: an ISO instant with `Z` or an offset is taken as is; a local wall-clock time with
 * no offset (`2025-03-30T14:00`) is read in the edition's zone, and refused when the zone
 * skips it (spring-forward gap) or repeats it (fall-back overlap) unless an offset says which.
 * The zone rules are Temporal's (temporal-polyfill).
 */

export function isValidTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+/-]*$/.test(timeZone)) return false;
  try {
    new Temporal.ZonedDateTime(0n, timeZone);
    return true;
  } catch {
    return false;
  }
}

function zoned(instant: Date, timeZone: string): Temporal.ZonedDateTime {
  return Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(timeZone);
}

/** Offset of `timeZone` from UTC at `instant`, in minutes (Amsterdam in summer: 120). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  return Math.round(zoned(instant, timeZone).offsetNanoseconds / 60e9);
}

/** `2025-03-30T03:30:00+02:00`: the wall clock in `timeZone` with its offset. */
export function toLocalIso(instant: Date, timeZone: string): string {
  return zoned(instant, timeZone).toString({ smallestUnit: "second", timeZoneName: "never" });
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
  let wall: Temporal.PlainDateTime;
  try {
    wall = Temporal.PlainDateTime.from({ year, month, day, hour, minute, second }, { overflow: "reject" });
  } catch {
    throw invalidTime(field, "is not a valid date-time");
  }
  // The zone's rules decide: in a spring-forward gap the earliest reading is another wall
  // clock; in a fall-back overlap the earliest and latest readings are different instants.
  const earlier = wall.toZonedDateTime(timeZone, { disambiguation: "earlier" });
  if (!earlier.toPlainDateTime().equals(wall)) {
    throw new HttpError(422, "nonexistent_local_time", `${field}: ${value} does not exist in ${timeZone} (the clocks skip it)`, [
      { field, message: `does not exist in ${timeZone}: daylight-saving gap` },
    ]);
  }
  const later = wall.toZonedDateTime(timeZone, { disambiguation: "later" });
  if (later.epochNanoseconds !== earlier.epochNanoseconds) {
    throw new HttpError(422, "ambiguous_local_time", `${field}: ${value} happens twice in ${timeZone}; add an offset to say which`, [
      { field, message: `is ambiguous in ${timeZone}: add an offset` },
    ]);
  }
  return new Date(earlier.epochMilliseconds);
}

function invalidTime(field: string, message: string): HttpError {
  return new HttpError(400, "invalid_input", `${field} ${message}`, [{ field, message }]);
}
