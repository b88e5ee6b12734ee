import net from "node:net";

export interface CuttableProxy {
  url: string;
  /** Drops every open connection and refuses new ones for `ms`, as a lost network path does. */
  cut(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** A TCP proxy on 127.0.0.1 in front of `target` (host:port), so the chaos run can cut what goes through it. */
export async function startCuttableProxy(target: URL): Promise<CuttableProxy> {
  const sockets = new Set<net.Socket>();
  let cutUntil = 0;
  const server = net.createServer((client) => {
    if (Date.now() < cutUntil) return void client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut: async (ms) => {
      cutUntil = Date.now() + ms;
      for (const s of sockets) s.destroy();
      await new Promise((r) => setTimeout(r, ms));
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
