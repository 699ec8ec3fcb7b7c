import { createSocket, type Socket } from 'node:dgram';
import { LOOPBACK } from './http-server.js';
import { atLeast, Waiters } from './recording.js';

/** A segment or subsegment document as the X-Ray SDKs emit it. */
export interface XRayDocument {
  id: string;
  name: string;
  trace_id?: string;
  parent_id?: string;
  type?: string;
  start_time?: number;
  end_time?: number;
  in_progress?: boolean;
  subsegments?: XRayDocument[];
  [field: string]: unknown;
}

export interface MalformedDatagram {
  datagram: string;
  reason: string;
}

/** The header every datagram starts with, followed by a newline and one document. */
const PROTOCOL_HEADER = { format: 'json', version: 1 };

/**
 * The UDP side of the X-Ray daemon on loopback: parses `{"format":"json","version":1}\n<document>`
 * datagrams into segments and independently sent subsegments (`"type":"subsegment"`).
 */
export class XRayDaemon {
  readonly segments: XRayDocument[] = [];
  readonly subsegments: XRayDocument[] = [];
  /** Datagrams that did not follow the protocol; a daemon would drop them. */
  readonly malformed: MalformedDatagram[] = [];
  private socket: Socket | undefined;
  private readonly waiters = new Waiters();

  /** `receiveBufferBytes`: the socket's SO_RCVBUF, for bursts (a benchmark) the default would drop. */
  constructor(private readonly options: { receiveBufferBytes?: number } = {}) {}

  get port(): number {
    if (!this.socket) throw new Error('daemon is not started');
    return this.socket.address().port;
  }

  /** The value for `AWSXRay.setDaemonAddress` / AWS_XRAY_DAEMON_ADDRESS. */
  get address(): string {
    return `${LOOPBACK}:${this.port}`;
  }

  /** Binds `port` (0: one the OS picks); pass the old port to restart the daemon where clients still send. */
  async start(port = 0): Promise<{ address: string; port: number }> {
    if (this.socket) throw new Error('daemon is already started');
    const { receiveBufferBytes } = this.options;
    const socket = createSocket({ type: 'udp4', ...(receiveBufferBytes === undefined ? {} : { recvBufferSize: receiveBufferBytes }) });
    this.socket = socket;
    socket.on('message', (datagram) => {
      this.receive(datagram.toString('utf8'));
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, LOOPBACK, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return { address: this.address, port: this.port };
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    await new Promise<void>((resolve) => socket.close(() => { resolve(); }));
  }

  reset(): void {
    this.segments.length = 0;
    this.subsegments.length = 0;
    this.malformed.length = 0;
  }

  /** Resolves with the segments matching `predicate` once there are at least `count`. */
  waitForSegments(predicate: (segment: XRayDocument) => boolean, timeoutMs = 5000, count = 1): Promise<XRayDocument[]> {
    return this.waiters.waitFor(
      () => atLeast(this.segments, predicate, count),
      timeoutMs,
      () => `${count} matching segment(s); received: [${this.segments.map((s) => s.name).join(', ')}]`,
    );
  }

  /** Resolves with the independently sent subsegments matching `predicate` once there are at least `count`. */
  waitForSubsegments(predicate: (subsegment: XRayDocument) => boolean, timeoutMs = 5000, count = 1): Promise<XRayDocument[]> {
    return this.waiters.waitFor(
      () => atLeast(this.subsegments, predicate, count),
      timeoutMs,
      () => `${count} matching subsegment(s); received: [${this.subsegments.map((s) => s.name).join(', ')}]`,
    );
  }

  private receive(datagram: string): void {
    const newline = datagram.indexOf('\n');
    try {
      if (newline < 0) throw new Error('no header line');
      const header = JSON.parse(datagram.slice(0, newline)) as unknown;
      if (!isProtocolHeader(header)) throw new Error(`unexpected header ${datagram.slice(0, newline)}`);
      const document = JSON.parse(datagram.slice(newline + 1)) as XRayDocument;
      if (typeof document.id !== 'string' || typeof document.name !== 'string') throw new Error('document without id or name');
      (document.type === 'subsegment' ? this.subsegments : this.segments).push(document);
    } catch (error) {
      this.malformed.push({ datagram, reason: error instanceof Error ? error.message : String(error) });
    }
    this.waiters.notify();
  }
}

function isProtocolHeader(header: unknown): boolean {
  if (typeof header !== 'object' || header === null) return false;
  const { format, version } = header as Record<string, unknown>;
  return format === PROTOCOL_HEADER.format && version === PROTOCOL_HEADER.version;
}
