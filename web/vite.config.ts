import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/** The web pages: one HTML shell, one chunk per page (fan, pass, scanner, organizer, payouts), served by the API at /. */
export default defineConfig({
  root,
  base: "/",
  plugins: [preact()],
  logLevel: "warn",
  build: {
    outDir: process.env.WEB_OUT_DIR ?? `${root}dist`,
    emptyOutDir: true,
    manifest: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1024,
  },
});
