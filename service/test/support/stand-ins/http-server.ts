import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Loopback by default: the stand-ins must never be reachable from outside the machine. */
export const LOOPBACK = '127.0.0.1';

/**
 * The hosts a stand-in may bind besides loopback: an address of the local cluster's bridge (k8s/cluster, pods
 * 10.245.0.0/24, never routed off the machine), so pods can reach a stand-in on the node's 10.245.0.1.
 */
const LOCAL_BRIDGE = /^10\.245\.0\.\d{1,3}$/;

/** Refuses any host that could be reached from outside the machine (0.0.0.0, eth0's address, names). */
export function standInHost(host: string): string {
  if (host === LOOPBACK || LOCAL_BRIDGE.test(host)) return host;
  throw new Error(`a stand-in binds only ${LOOPBACK} or the local cluster's bridge (10.245.0.0/24), not ${host}`);
}

/**
 * An HTTP server on 127.0.0.1 (or the local cluster's bridge) with an OS-assigned port, closed in a way that
 * cannot leave a test run hanging (keep-alive and held requests included).
 */
export class LoopbackHttpServer {
  private server: Server | undefined;
  private host = LOOPBACK;

  constructor(private readonly handler: RequestListener) {}

  get port(): number {
    if (!this.server) throw new Error('server is not started');
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  async start(host = LOOPBACK): Promise<void> {
    if (this.server) throw new Error('server is already started');
    this.host = standInHost(host);
    const server = createServer(this.handler);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.host, () => {
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

  /** `host`: loopback unless a local cluster's pods must reach it (standInHost). */
  async start(host = LOOPBACK): Promise<{ url: string; port: number }> {
    await this.server.start(host);
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
