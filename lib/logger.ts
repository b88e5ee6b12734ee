import { pino, type Logger } from "pino";

export type { Logger };

/** Structured JSON logs; one logger per process, children per component. */
export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    redact: {
      paths: ["req.headers.authorization", "req.headers.cookie", "*.password", "*.token", "*.secret"],
      censor: "[redacted]",
    },
  });
}
