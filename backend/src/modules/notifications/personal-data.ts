import { declarePersonalData } from "../../security/personal-data.js";

export const notificationsPersonalData = declarePersonalData("notifications", {
  tables: [
    { table: "device_tokens", columns: { user_id: "link" }, rows: (q, s) => q.where("user_id", s.userId), erase: { kind: "delete" } },
    {
      table: "notification_log",
      columns: { user_id: "link", body: "free_text" },
      rows: (q, s) => q.where("user_id", s.userId),
      erase: { kind: "delete" },
      scrub: ["title", "body", "data"],
    },
  ],
  retention: [
    {
      name: "notification_log_archive",
      description: "notification log entries older than 90 days move to notification_log_archive without recipient, title, body or data",
      periodDays: 90,
      run: async (db, cutoff) => {
        const { rows } = await db.raw<{ rows: Array<{ n: string }> }>(
          `with moved as (delete from notification_log where created_at < ? returning id, kind, channel, status, created_at, delivered_at),
                kept as (insert into notification_log_archive (id, kind, channel, status, created_at, delivered_at)
                         select * from moved on conflict do nothing returning 1)
           select (select count(*) from moved) as n`,
          [cutoff],
        );
        return { removed: Number(rows[0]!.n) };
      },
    },
  ],
});
