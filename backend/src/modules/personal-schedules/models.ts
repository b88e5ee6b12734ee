import { Model, type RelationMappings } from "objection";
import type { PerformanceView } from "../schedule/models.js";
import { toLocalIso } from "../time-zones/time-zones.js";
import { AuditedModel } from "../audit/audited-model.js";

/** One attendee's picks for one edition. */
export class PersonalSchedule extends AuditedModel {
  static override tableName = "personal_schedules";
  declare user_id: string;
  declare edition_id: string;
}

export class PersonalScheduleEntry extends Model {
  static override tableName = "personal_schedule_entries";
  static override idColumn = "id";
  declare id: string;
  declare personal_schedule_id: string;
  declare engagement_id: string;
  declare created_at: Date;
  declare created_by: string | null;
  declare schedule?: PersonalSchedule;

  static override get relationMappings(): RelationMappings {
    return {
      schedule: {
        relation: Model.BelongsToOneRelation,
        modelClass: PersonalSchedule,
        join: { from: "personal_schedule_entries.personal_schedule_id", to: "personal_schedules.id" },
      },
    };
  }
}

export function entryDto(row: Pick<PersonalScheduleEntry, "engagement_id" | "created_at">, p: PerformanceView | undefined) {
  return {
    engagementId: row.engagement_id,
    artistId: p?.artistId ?? null,
    artistName: p?.artistName ?? null,
    stageId: p?.stageId ?? null,
    stageName: p?.stageName ?? null,
    venueName: p?.venueName ?? null,
    startsAt: p?.startsAt ?? null,
    startsAtLocal: p?.startsAtLocal ?? null,
    endsAt: p?.endsAt ?? null,
    endsAtLocal: p?.endsAtLocal ?? null,
    status: p?.status === "scheduled" ? ("scheduled" as const) : ("cancelled" as const),
    addedAt: row.created_at.toISOString(),
  };
}

/** Pairs of scheduled picks that overlap in time (sweep over start times). */
export function clashesOf(entries: ReturnType<typeof entryDto>[], timezone: string) {
  const live = entries.filter((e) => e.status === "scheduled" && e.startsAt && e.endsAt).sort((a, b) => a.startsAt!.localeCompare(b.startsAt!));
  const clashes: Array<{ engagementIds: [string, string]; overlapMinutes: number; from: string; fromLocal: string }> = [];
  for (let i = 0; i < live.length; i++) {
    const a = live[i]!;
    for (let j = i + 1; j < live.length && live[j]!.startsAt! < a.endsAt!; j++) {
      const b = live[j]!;
      const end = Math.min(Date.parse(a.endsAt!), Date.parse(b.endsAt!));
      const start = Date.parse(b.startsAt!);
      clashes.push({
        engagementIds: [a.engagementId, b.engagementId],
        overlapMinutes: Math.round((end - start) / 60_000),
        from: b.startsAt!,
        fromLocal: toLocalIso(new Date(start), timezone),
      });
    }
  }
  return clashes;
}
