import rrulePackage from "rrule";
import type * as RRuleTypes from "rrule";
import { HttpError } from "../../http/errors.js";

// rrule ships CommonJS for Node: its named exports sit on the default export at run time
const { RRule } = rrulePackage as unknown as typeof RRuleTypes;

/** At most this many sessions come out of one recurring item. */
export const MAX_OCCURRENCES = 500;

/** An instant's wall-clock time in a zone, as a Date whose UTC fields are that local time ("floating"). */
export function toWallClock(instant: Date, timezone: string): Date {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return new Date(Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)));
}

/** The instant a floating wall-clock time means in a zone (the offset of that moment, so DST is honoured). */
export function fromWallClock(floating: Date, timezone: string): Date {
  let t = floating.getTime();
  for (let i = 0; i < 2; i++) t = floating.getTime() - (toWallClock(new Date(t), timezone).getTime() - t);
  return new Date(t);
}

/**
 * The occurrences of an item: its first start and, with an RRULE (RFC 5545, e.g.
 * "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=8"), every later one up to `until`, expanded in the
 * company's time zone so a 19:30 rehearsal stays at 19:30 across a DST change.
 */
export function occurrences(startsAt: Date, rrule: string | null, timezone: string, until: Date): Date[] {
  if (!rrule) return [startsAt];
  let options: Partial<RRuleTypes.Options>;
  try {
    options = RRule.parseString(rrule.replace(/^RRULE:/i, ""));
  } catch (error) {
    throw new HttpError(400, "invalid_rrule", `not an RRULE: ${(error as Error).message}`, [{ field: "body.rrule", message: "not an RFC 5545 RRULE" }]);
  }
  if (options.dtstart) throw new HttpError(400, "invalid_rrule", "DTSTART comes from startsAt", [{ field: "body.rrule", message: "no DTSTART" }]);
  const floatingStart = toWallClock(startsAt, timezone);
  const floatingUntil = toWallClock(until, timezone);
  let dates: Date[];
  try {
    if (options.freq === undefined || options.freq === null) throw new Error("FREQ is required");
    const rule = new RRule({ ...options, dtstart: floatingStart });
    dates = rule.between(floatingStart, floatingUntil, true, (_d, i) => i < MAX_OCCURRENCES);
  } catch (error) {
    throw new HttpError(400, "invalid_rrule", `not an RRULE: ${(error as Error).message}`, [{ field: "body.rrule", message: "not an RFC 5545 RRULE" }]);
  }
  return dates.map((d) => fromWallClock(d, timezone));
}
