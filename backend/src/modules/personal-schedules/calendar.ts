import ical, { ICalCalendarMethod, ICalEventStatus } from "ical-generator";

/**
 * RFC 5545 iCalendar export of a personal schedule, written by ical-generator (escaping,
 * 75-octet line folding, CRLF). Times are in UTC (`...Z`), which every calendar shows in
 * the viewer's zone; X-WR-TIMEZONE hints the festival's.
 */
export interface CalendarEvent {
  uid: string;
  summary: string;
  location: string | null;
  startsAt: string;
  endsAt: string;
  cancelled: boolean;
  description?: string;
}

export function renderCalendar(opts: { name: string; timezone: string; stamp: Date; events: CalendarEvent[] }): string {
  const calendar = ical({
    prodId: { company: "festival-chain", product: "personal schedule", language: "EN" },
    scale: "gregorian",
    method: ICalCalendarMethod.PUBLISH,
    name: opts.name,
    x: [{ key: "X-WR-TIMEZONE", value: opts.timezone }],
  });
  for (const e of opts.events) {
    calendar.createEvent({
      id: e.uid,
      stamp: opts.stamp,
      start: new Date(e.startsAt),
      end: new Date(e.endsAt),
      summary: e.summary,
      location: e.location,
      description: e.description ?? null,
      status: e.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    });
  }
  return calendar.toString() + "\r\n"; // RFC 5545: every content line ends with CRLF, the last one too
}
