import assert from "node:assert/strict";
import { runChaos, type ChaosReport } from "../../scripts/chaos/run.js";

/**
 * The gate opening under faults (scripts/chaos/run.ts): three API processes, two indexers,
 * SIGKILLs, a Postgres restart and a 10 s RPC cut, all on loopback, bounded to 30 s of load.
 */
describe("e2e: chaos at the gate", function () {
  this.timeout(600_000);
  let report: ChaosReport;

  before(async () => {
    report = await runChaos({ seconds: 30 });
  });

  it("every fault happened while the load ran, and requests met them", () => {
    assert.equal(report.faults.length, 10, report.faults.join("\n"));
    assert.ok(report.figures.cleanFailures > 0, "no request met a fault: the run proves nothing");
    assert.ok(report.figures.scansAdmitted > 100);
    assert.ok(report.figures.paymentsBooked > 100);
    assert.ok(report.figures.purchasesDuringFaults > 10);
    assert.ok(report.figures.webhooksDelivered > 100);
  });

  it("nothing admitted, paid or mirrored was lost or doubled, and no answer was wrong", () => {
    const { lost, doubled, wrongAnswers, mirrorDiffers, unanswered, uncleanFailures } = report.figures;
    assert.deepEqual(
      { lost, doubled, wrongAnswers, mirrorDiffers, unanswered, uncleanFailures },
      {
        lost: 0,
        doubled: 0,
        wrongAnswers: 0,
        mirrorDiffers: 0,
        unanswered: 0,
        uncleanFailures: 0,
      },
      JSON.stringify(report.breakdown),
    );
  });
});
