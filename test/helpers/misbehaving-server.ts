import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A local HTTP server that serves `body` in one of the ways a download can go wrong:
 *
 * - `/whole`: all of it.
 * - `/trickle`: the first 8 bytes, then one byte per `trickleIntervalMs`, forever (never the whole declared size).
 * - `/stall`: nothing at all, not even headers.
 * - `/cut`: half of the declared bytes, then the connection is closed (a FIN, so no byte sent is lost).
 * - `/cut-chunked`: the same without a content-length (chunked encoding).
 */
export interface MisbehavingServer {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** Bytes written by `/trickle` so far, over all requests. */
  readonly trickled: () => number;
  /** Resolves after `/trickle` has written its next byte. */
  readonly nextTrickle: () => Promise<void>;
  readonly close: () => Promise<void>;
}

export async function startMisbehavingServer(body: Buffer, options: { trickleIntervalMs?: number } = {}): Promise<MisbehavingServer> {
  const interval = options.trickleIntervalMs ?? 20;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let trickled = 0;
  const waiters: (() => void)[] = [];
  const wrote = (bytes: number): void => {
    trickled += bytes;
    for (const resolve of waiters.splice(0)) resolve();
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const half = body.subarray(0, Math.floor(body.length / 2));
    switch (path) {
      case "/whole":
        res.writeHead(200, { "content-type": "image/png", "content-length": body.length }).end(body);
        return;
      case "/trickle": {
        res.writeHead(200, { "content-type": "image/png", "content-length": body.length });
        res.write(body.subarray(0, 8));
        wrote(8);
        let offset = 8;
        const timer = setInterval(() => {
          // Never the last byte: the download must end on its deadline, not because the body ran out.
          if (offset < body.length - 1) res.write(body.subarray(offset, ++offset));
          wrote(1);
        }, interval);
        timers.add(timer);
        res.on("close", () => clearInterval(timer));
        return;
      }
      case "/stall":
        return;
      case "/cut":
        res.writeHead(200, { "content-type": "image/png", "content-length": body.length });
        res.write(half, () => res.socket?.end());
        return;
      case "/cut-chunked":
        res.writeHead(200, { "content-type": "image/png" });
        res.write(half, () => res.socket?.end());
        return;
      default:
        res.writeHead(404).end();
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    trickled: () => trickled,
    nextTrickle: () => new Promise((resolve) => waiters.push(resolve)),
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
}
