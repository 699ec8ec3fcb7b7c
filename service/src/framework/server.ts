import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

function drain(server: Server, timeoutMs: number): Promise<'drained' | 'timed out'> {
  return new Promise((resolve) => {
    // Keep-alive sockets go idle as their last request finishes; close them as they do.
    const sweep = setInterval(() => {
      server.closeIdleConnections();
    }, 100);
    const deadline = setTimeout(() => {
      server.closeAllConnections();
      finish('timed out');
    }, timeoutMs);
    function finish(outcome: 'drained' | 'timed out') {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve(outcome);
    }
    server.close(() => {
      finish('drained');
    });
    server.closeIdleConnections();
  });
}
