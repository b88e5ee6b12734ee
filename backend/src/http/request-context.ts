import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import { pinoHttp } from "pino-http";
import type { Logger } from "pino";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function requestId(incoming: string | string[] | undefined): string {
  return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Request id (a sane incoming X-Request-Id is kept), echoed back, and a structured access
 * log: `{ req: { id, method, path }, res: { statusCode }, responseTime }` at info.
 */
export function requestContext(log: Logger): RequestHandler {
  const accessLog = pinoHttp({
    logger: log,
    genReqId: (req, res) => {
      const id = requestId(req.headers["x-request-id"]);
      res.setHeader("X-Request-Id", id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "error" : "info"),
    // One short line per request: never its headers (Authorization, Cookie, X-API-Key carry
    // credentials) nor its query string (tokens travel there too).
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split("?")[0] }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    autoLogging: { ignore: (req) => req.url === "/health" },
  });
  // pino-http builds a child logger and hooks the response on every request even when its
  // lines would all be dropped. When the logger is silent (the lowest level the access log
  // uses, "error", is off; checked per request, so a runtime level change still applies),
  // only the request id is set, and req.log is the logger itself.
  return (req, res, next) => {
    if (log.isLevelEnabled("error")) return accessLog(req, res, next);
    const id = requestId(req.headers["x-request-id"]);
    res.setHeader("X-Request-Id", id);
    req.id = id;
    req.log = log;
    next();
  };
}
