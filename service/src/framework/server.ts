import { createServer, type Server } from 'node:http';
import { type AddressInfo, Server as NetServer } from 'node:net';
import type Koa from 'koa';

export interface ServerOptions {
  port: number;
  host?: string;
  keepAliveTimeoutMs: number;
}

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops accepting, lets in-flight requests finish, and force-closes what is left after `timeoutMs`. */
  drain: (timeoutMs: number) => Promise<'drained' | 'timed out'>;
}

export async function startServer(app: Koa, options: ServerOptions): Promise<RunningServer> {
  const handle = app.callback();
  const server = createServer((req, res) => {
    void handle(req, res); // Koa answers its own errors
  });
  // Above the load balancer's idle timeout, or it reuses sockets this server has already closed (502s).
  server.keepAliveTimeout = options.keepAliveTimeoutMs;
  server.headersTimeout = options.keepAliveTimeoutMs + 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return { server, port, drain: (timeoutMs) => drain(server, timeoutMs) };
}

/**
 * How long a keep-alive connection that is idle at SIGTERM stays open: a client sending on it meanwhile gets its
 * answer, with Connection: close (the app says so while draining), and closes it itself. Closed at once, the client
 * could be writing its next request as the socket closes, and would read a reset instead of an answer.
 */
const IDLE_GRACE_MS = 1_000;

function drain(server: Server, timeoutMs: number): Promise<'drained' | 'timed out'> {
  return new Promise((resolve) => {
    let sweep: NodeJS.Timeout | undefined;
    // Then keep-alive sockets are closed as they go idle.
    const grace = setTimeout(() => {
      server.closeIdleConnections();
      sweep = setInterval(() => {
        server.closeIdleConnections();
      }, 100);
    }, Math.min(IDLE_GRACE_MS, timeoutMs / 2));
    const deadline = setTimeout(() => {
      server.closeAllConnections();
      finish('timed out');
    }, timeoutMs);
    function finish(outcome: 'drained' | 'timed out') {
      clearTimeout(grace);
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve(outcome);
    }
    // net.Server's close: stops accepting and calls back once every connection has ended. http.Server's own close
    // would also close the idle keep-alive connections at once (Node 19 and later), without the grace.
    NetServer.prototype.close.call(server, () => {
      finish('drained');
    });
  });
}
