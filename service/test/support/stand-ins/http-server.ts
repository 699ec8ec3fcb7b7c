import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Loopback only: the stand-ins must never be reachable from outside the machine. */
export const LOOPBACK = '127.0.0.1';

/**
 * An HTTP server on 127.0.0.1 with an OS-assigned port, closed in a way that
 * cannot leave a test run hanging (keep-alive and held requests included).
 */
export class LoopbackHttpServer {
  private server: Server | undefined;

  constructor(private readonly handler: RequestListener) {}

  get port(): number {
    if (!this.server) throw new Error('server is not started');
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.server) throw new Error('server is already started');
    const server = createServer(this.handler);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, LOOPBACK, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => { resolve(); }));
    // Clients hold keep-alive sockets and some requests are deliberately never answered.
    server.closeAllConnections();
    await closed;
  }
}

/**
 * What every HTTP stand-in shares: a loopback server that hands each request to `handle`, started and stopped
 * the same way.
 */
export abstract class HttpStandIn {
  protected readonly server = new LoopbackHttpServer((req, res) => void this.handle(req, res));

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  /** The base URL to point the client at. */
  get url(): string {
    return this.server.url;
  }

  async start(): Promise<{ url: string; port: number }> {
    await this.server.start();
    return { url: this.server.url, port: this.server.port };
  }

  async stop(): Promise<void> {
    this.beforeStop();
    await this.server.stop();
  }

  /** For stand-ins that hold requests on purpose: answer them so stopping does not wait on them. */
  protected beforeStop(): void {
    // nothing held by default
  }
}

/** Reads a request body whole; the stand-ins only ever receive small payloads. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Header values as single strings, the way tests want to assert on them. */
export function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
