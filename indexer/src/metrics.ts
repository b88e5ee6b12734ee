import http from "node:http";
import { Counter, Gauge, Registry } from "prom-client";

/** Prometheus metrics of one indexer; `serve` exposes them on GET /metrics. */
export function createMetrics() {
  const registry = new Registry();
  const m = {
    registry,
    lagBlocks: new Gauge({ name: "indexer_lag_blocks", help: "Head block minus indexed block", labelNames: ["chain_id"], registers: [registry] }),
    lagSeconds: new Gauge({ name: "indexer_lag_seconds", help: "Head block time minus indexed block time", labelNames: ["chain_id"], registers: [registry] }),
    indexedBlock: new Gauge({ name: "indexer_block_number", help: "Last indexed block", labelNames: ["chain_id"], registers: [registry] }),
    headBlock: new Gauge({ name: "indexer_head_block_number", help: "Head block seen", labelNames: ["chain_id"], registers: [registry] }),
    events: new Counter({ name: "indexer_events_total", help: "Logs handled", labelNames: ["chain_id"], registers: [registry] }),
    reorgs: new Counter({ name: "indexer_reorgs_total", help: "Reorgs handled", labelNames: ["chain_id"], registers: [registry] }),
    rpcRetries: new Counter({ name: "indexer_rpc_retries_total", help: "RPC requests retried", labelNames: ["method"], registers: [registry] }),
    async serve(port: number, host = "127.0.0.1"): Promise<http.Server> {
      const server = http.createServer(async (req, res) => {
        if (req.url !== "/metrics") {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { "content-type": registry.contentType }).end(await registry.metrics());
      });
      await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, host, resolve));
      return server;
    },
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
