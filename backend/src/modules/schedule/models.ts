import type { PrecompressedBody } from "../../http/precompressed.js";
import type { ScheduleDiff, ScheduleDocument } from "./schemas.js";
import { AuditedModel, SoftDeletableModel } from "../audit/audited-model.js";

export class TimeSlot extends SoftDeletableModel {
  static override tableName = "time_slots";
  declare edition_id: string;
  declare stage_id: string;
  declare starts_at: Date;
  declare ends_at: Date;
  declare kind: "performance" | "changeover";
  declare title: string | null;
}

export class Engagement extends SoftDeletableModel {
  static override tableName = "engagements";
  declare time_slot_id: string;
  declare artist_id: string;
  declare status: "scheduled" | "cancelled";
  declare notes: string | null;
}

/** One draft row per edition, then one immutable row per published version. */
export class ScheduleVersion extends AuditedModel {
  static override tableName = "schedule_versions";
  static override jsonAttributes = ["diff"];
  declare edition_id: string;
  declare status: "draft" | "published";
  declare number: number | null;
  declare notes: string | null;
  declare previous_version_id: string | null;
  /** Written as the exact JSON text that is served (and hashed into the etag); read back as document::text. */
  declare document?: string | null;
  declare etag: string | null;
  declare diff: ScheduleDiff | null;
  declare published_at: Date | null;
  declare published_by: string | null;
}

export function engagementDto(r: Engagement) {
  return {
    id: r.id,
    timeSlotId: r.time_slot_id,
    artistId: r.artist_id,
    status: r.status,
    notes: r.notes,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** One performance as an attendee sees it: the engagement on its slot and stage. */
export interface PerformanceView {
  engagementId: string;
  artistId: string;
  artistName: string;
  genre: string | null;
  status: "scheduled" | "cancelled";
  slotId: string;
  stageId: string;
  stageName: string;
  venueName: string;
  startsAt: string;
  startsAtLocal: string;
  endsAt: string;
  endsAtLocal: string;
}

/** A published version, parsed once and kept in memory (it never changes). */
export interface PublishedSchedule {
  versionId: string;
  number: number;
  etag: string;
  /** The edition's zone when the version was published (its local times are rendered in it). */
  timezone: string;
  /** The exact JSON text served, as stored, and its compressed copies. */
  body: PrecompressedBody;
  document: ScheduleDocument;
  performances: Map<string, PerformanceView>;
}

/** Performances of a document by engagement id. */
export function performancesOf(doc: Pick<ScheduleDocument, "stages" | "slots">): Map<string, PerformanceView> {
  const stages = new Map(doc.stages.map((s) => [s.id, s]));
  const out = new Map<string, PerformanceView>();
  for (const slot of doc.slots) {
    const stage = stages.get(slot.stageId);
    for (const p of slot.performances) {
      out.set(p.engagementId, {
        ...p,
        slotId: slot.id,
        stageId: slot.stageId,
        stageName: stage?.name ?? "",
        venueName: stage?.venueName ?? "",
        startsAt: slot.startsAt,
        startsAtLocal: slot.startsAtLocal,
        endsAt: slot.endsAt,
        endsAtLocal: slot.endsAtLocal,
      });
    }
  }
  return out;
}

/**
 * What changed for attendees between two versions, per performance (engagement):
 * added (now scheduled, before not), cancelled (before scheduled, now cancelled or gone),
 * moved (scheduled in both, on another stage or at another time).
 */
export function diffSchedules(before: Map<string, PerformanceView> | null, after: Map<string, PerformanceView>): ScheduleDiff {
  const place = (p: PerformanceView | undefined) =>
    p
      ? { stageId: p.stageId, stageName: p.stageName, startsAt: p.startsAt, startsAtLocal: p.startsAtLocal, endsAt: p.endsAt, endsAtLocal: p.endsAtLocal }
      : null;
  const live = (p: PerformanceView | undefined) => (p && p.status === "scheduled" ? p : undefined);
  const diff: ScheduleDiff = { added: [], moved: [], cancelled: [] };
  const ids = new Set([...(before?.keys() ?? []), ...after.keys()]);
  for (const id of [...ids].sort()) {
    const was = live(before?.get(id));
    const now = live(after.get(id));
    const who = (now ?? was ?? after.get(id) ?? before?.get(id))!;
    const item = { engagementId: id, artistId: who.artistId, artistName: who.artistName, from: place(was), to: place(now) };
    if (!was && now) diff.added.push(item);
    else if (was && !now) diff.cancelled.push(item);
    else if (was && now && (was.stageId !== now.stageId || was.startsAt !== now.startsAt || was.endsAt !== now.endsAt)) diff.moved.push(item);
  }
  return diff;
}
