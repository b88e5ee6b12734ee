import { Router } from "express";
import { checkReadiness, type ReadinessDeps } from "./service.js";

/** GET /health: the process is alive. GET /ready: it can serve (database, chain, indexer). */
export function healthRoutes(deps: ReadinessDeps): Router {
  const router = Router();
  router.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/ready", async (_req, res) => {
    const readiness = await checkReadiness(deps);
    res.status(readiness.ready ? 200 : 503).json(readiness);
  });
  return router;
}
