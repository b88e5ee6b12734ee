import assert from "node:assert/strict";
import type { Runner } from "graphile-worker";
import { createTestUser } from "../../support/auth.js";
import { testDatabaseUrl } from "../../support/database.js";
import { RecordingPushDelivery } from "../../../backend/src/modules/notifications/delivery.js";
import { startNotificationWorker } from "../../../backend/src/modules/notifications/jobs.js";
import { useTestApi, expectStatus } from "../../support/api-suite.js";
import { buildFestival, createPerformance } from "../../support/festival.js";

describe("the notification worker (as the API process runs it)", () => {
  const t = useTestApi();
  let worker: Runner;
  const delivery = new RecordingPushDelivery();
  before(async () => {
    worker = await startNotificationWorker({ connectionString: await testDatabaseUrl(), db: t.db, delivery });
  });
  after(async () => {
    await worker.stop();
  });

  it("picks up the job a publication queued and delivers to the affected attendee's devices", async () => {
    const f = await buildFestival(t.db, t.api);
    const p = await createPerformance(t.api, f, 0, "2025-07-05T20:00", "2025-07-05T21:00", "Late act");
    await expectStatus(t.api, 201, "POST", `/api/v1/editions/${f.editionId}/schedule/publish`, f.owner, {});
    const fan = await createTestUser(t.db, { roles: ["fan"] });
    await expectStatus(t.api, 200, "PUT", `/api/v1/me/schedules/${f.editionId}/entries/${p.engagementId}`, fan);
    const device = await expectStatus(t.api, 201, "POST", "/api/v1/me/device-tokens", fan, { platform: "android", token: `fcm-${fan.userId}` });
    assert.equal(device.tokenPreview.length <= 8, true);

    await expectStatus(t.api, 200, "PATCH", `/api/v1/engagements/${p.engagementId}`, f.owner, { status: "cancelled" });
    const v2 = await expectStatus(t.api, 201, "POST", `/api/v1/editions/${f.editionId}/schedule/publish`, f.owner, { notes: "sorry" });
    assert.equal(v2.notificationsQueued, true);

    const deadline = Date.now() + 15_000;
    let rows: Array<{ user_id: string; status: string; channel: string }> = [];
    while (Date.now() < deadline && rows.length === 0) {
      await new Promise((r) => setTimeout(r, 100));
      rows = await t.db("notification_log").where({ schedule_version_id: v2.id });
    }
    assert.deepEqual(
      rows.map((r) => [r.user_id, r.status, r.channel]),
      [[fan.userId, "delivered", "android"]],
    );
    assert.equal(delivery.sent.at(-1)!.message.body, "Late act is cancelled");
  });
});
