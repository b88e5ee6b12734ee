import { mkdirSync } from "node:fs";
import { runChaos } from "./run.js";

/**
 * `npm run chaos`: the fault run alone (scripts/chaos/run.ts), printing what it counted.
 * CHAOS_SECONDS (default 40) sets its length; CHAOS_LOG_DIR keeps the processes' logs.
 */
const logDir = process.env.CHAOS_LOG_DIR;
if (logDir) mkdirSync(logDir, { recursive: true });
runChaos({ seconds: Number(process.env.CHAOS_SECONDS ?? 40), say: console.log, logDir })
  .then((report) => {
    console.log(JSON.stringify(report, null, 2));
    const { lost, doubled, wrongAnswers, mirrorDiffers, unanswered } = report.figures;
    process.exit(lost + doubled + wrongAnswers + mirrorDiffers + unanswered === 0 ? 0 : 1);
  })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
