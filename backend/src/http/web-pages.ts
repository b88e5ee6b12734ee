import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { type RequestHandler } from "express";

/** Where `vite build` writes the pages (web/vite.config.ts). */
export const WEB_DIST_DIR = fileURLToPath(new URL("../../../web/dist/", import.meta.url));

/**
 * The pages' policy: everything from this origin; the QR decoder's worker is a blob: URL
 * (qr-scanner), the camera a mediastream; no inline script, no frames.
 */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self' blob:",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "media-src 'self' blob: mediastream:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const API_PATHS = /^\/(api|docs|openapi\.json|health|ready|metrics)(\/|$)/;

/**
 * The web pages (web/, built by Vite): hashed assets with a long cache, and index.html for every
 * other GET that prefers HTML to JSON (a browser does; a client that accepts anything gets the
 * API's 404) and is not the API's, so deep links (/scan, /organizer/festivals/…, /pass/…) open
 * the right page. Without a build, nothing is served here and the API's 404 answers.
 */
export function webPages(dir: string = WEB_DIST_DIR): RequestHandler[] {
  const assets = express.static(dir, { index: false, immutable: true, maxAge: "365d", fallthrough: false });
  const index = path.join(dir, "index.html");
  return [
    (req, res, next) => (req.path.startsWith("/assets/") && existsSync(index) ? assets(req, res, next) : next()),
    (req, res, next) => {
      if ((req.method !== "GET" && req.method !== "HEAD") || API_PATHS.test(req.path) || req.accepts(["json", "html"]) !== "html" || !existsSync(index))
        return next();
      res.setHeader("content-security-policy", PAGE_CSP);
      res.setHeader("cache-control", "no-cache");
      res.sendFile(index);
    },
  ];
}
