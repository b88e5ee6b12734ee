import { createServer, maxHeaderSize, type RequestListener, type Server } from "node:http";
import type { Duplex } from "node:stream";

/** A problem+json reply written straight to the socket: the request never reached Express. */
function rawProblem(status: number, reason: string, code: string, detail: string): string {
  const body = JSON.stringify({ type: `https://errors.festival.local/${code}`, title: reason, status, detail, code });
  return [
    `HTTP/1.1 ${status} ${reason}`,
    "Content-Type: application/problem+json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}

/**
 * The API's HTTP server. Requests Node's parser refuses before Express sees them (headers
 * over the size limit, malformed request lines) get a problem+json answer like every
 * other error, instead of Node's bare status line.
 */
export function createApiServer(app: RequestListener): Server {
  const server = createServer(app);
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === "ECONNRESET" || !socket.writable) return socket.destroy();
    const reply =
      err.code === "HPE_HEADER_OVERFLOW"
        ? rawProblem(431, "Request Header Fields Too Large", "headers_too_large", `the request headers exceed ${maxHeaderSize} bytes`)
        : rawProblem(400, "Bad Request", "malformed_request", "the request is not valid HTTP");
    socket.end(reply);
  });
  return server;
}
