/** Module ownership, checked by `npm run lint` (dependency-cruiser). */
module.exports = {
  forbidden: [
    {
      name: "backend-indexer-apart",
      comment: "backend/ and indexer/ share lib/ and the schema, never each other's code",
      severity: "error",
      from: { path: "^backend/" },
      to: { path: "^indexer/" },
    },
    {
      name: "indexer-backend-apart",
      comment: "backend/ and indexer/ share lib/ and the schema, never each other's code",
      severity: "error",
      from: { path: "^indexer/" },
      to: { path: "^backend/" },
    },
    {
      name: "http-imports-no-module",
      comment: "backend/src/http/ is the plumbing under every module: it imports no domain module",
      severity: "error",
      from: { path: "^backend/src/http/" },
      to: { path: "^backend/src/modules/" },
    },
    {
      name: "routes-not-from-app",
      comment: "route files get their deps from http/ (RouteDeps), not from the composition root",
      severity: "error",
      from: { path: "^backend/src/modules/" },
      to: { path: "^backend/src/(app|server)\\.ts$" },
    },
    {
      name: "lib-imports-no-process",
      comment: "lib/ is shared by both processes: it imports neither",
      severity: "error",
      from: { path: "^lib/" },
      to: { path: "^(backend|indexer)/" },
    },
    {
      name: "no-module-cycles",
      comment: "modules depend one way: no cycle between backend/src/modules/<a> and <b>, also through longer chains",
      severity: "error",
      scope: "folder",
      from: { path: "^backend/src/modules/[^/]+$" },
      to: { path: "^backend/src/modules/[^/]+$", circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|artifacts|cache|types|coverage)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
