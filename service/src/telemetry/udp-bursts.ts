import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIP } from 'node:net';

type SendCallback = (error: Error | null, bytes?: number) => void;

/** The part of a dgram socket this sends through. */
export type DatagramSender = Pick<dgram.Socket, 'send'>;

/** dns.lookup's shape, reduced to what is used: one address and its family (4 or 6). */
export type Lookup = (hostname: string, callback: (error: Error | null, address: string, family: number) => void) => void;

/** Where the daemon listens for segments (UDP). */
export interface DaemonTarget {
  host: string;
  port: number;
}

export interface BurstingUdpOptions {
  /**
   * The daemon's UDP address; datagrams go there whatever address the emitter passes. The X-Ray SDK splits
   * AWS_XRAY_DAEMON_ADDRESS on ':', which mangles an IPv6 literal (`[::1]:2000`): given here, it is used as is.
   */
  target?: DaemonTarget;
  /** Default dns.lookup (getaddrinfo on the libuv threadpool, through the resolver's search domains). */
  lookup?: Lookup;
  /** How long a resolved address is used before it is looked up again (in the background). Default 30,000. */
  refreshMs?: number;
  /** Datagrams held while a name is first being resolved; more are dropped and counted. Default 64. */
  maxPending?: number;
  /**
   * How long one source port is used. The node's conntrack pins a UDP flow (this socket to the daemon's Service) to
   * the daemon pod it first reached, and keeps it there while that pod is terminating; a new port is a new flow,
   * which kube-proxy sends to a Ready pod. Default 1,000: during a daemon rollout the old pod's preStop (5 s) outlasts it.
   */
  rotateMs?: number;
  /** One socket for every address family (tests); by default a udp4 and a udp6 socket are made as needed. */
  socket?: DatagramSender;
}

export interface BurstingUdpStats {
  /** Name lookups started. */
  lookups: number;
  /** Datagrams dropped because their daemon's name was not resolved (yet): the bound was full, or the lookup failed. */
  dropped: number;
}

interface Datagram {
  message: Buffer;
  offset: number;
  length: number;
  port: number;
  address: string;
  callback?: SendCallback;
}

interface Resolved {
  host: string;
  address: string;
  family: 4 | 6;
  /** When it was resolved (Date.now()); -Infinity once a send to it failed, so the next send looks it up again. */
  at: number;
}

/** `host:port`, `[ipv6]:port`, or the UDP part of `udp:host:port tcp:host:port` (AWS_XRAY_DAEMON_ADDRESS's forms). */
export function daemonTarget(daemonAddress: string): DaemonTarget | undefined {
  const parts = daemonAddress.trim().split(/\s+/);
  const udp = parts.length > 1 ? parts.find((part) => part.startsWith('udp:'))?.slice(4) : parts[0];
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(udp ?? '');
  if (!match) return undefined;
  return { host: match[1] ?? match[2] ?? '', port: Number(match[3]) };
}

/**
 * The socket the X-Ray SDK's emitter sends segments through. The emitter takes any object with dgram's
 * positional `send` (its own BatchingTemporarySocket is one); this one holds the datagrams of an event-loop turn
 * and sends them back to back once the turn's I/O is done. Each segment still travels in a datagram of its own,
 * as the daemon reads one per datagram, but the daemon is woken once per burst rather than once per request.
 *
 * A daemon named by host (a Kubernetes Service, `cruddur-backend-xray.cruddur.svc`) is resolved here, once, and
 * the address reused: dgram would otherwise look the name up for every datagram, through every search domain, on
 * the libuv threadpool, and while DNS is slow those lookups and their datagrams would queue without bound. The
 * address is looked up again in the background after refreshMs or after a send fails, one lookup at a time, while
 * datagrams keep going to the known address. Only before the first answer do datagrams wait, at most maxPending.
 */
export class BurstingUdpSocket {
  private queued: Datagram[] = [];
  private readonly target: DaemonTarget | undefined;
  private readonly lookup: Lookup;
  private readonly refreshMs: number;
  private readonly maxPending: number;
  private readonly injected: DatagramSender | undefined;
  private readonly rotateMs: number;
  /** Per family: the socket in use since `since`, and the one before, closed at the next rotation once its sends are done. */
  private readonly sockets = new Map<4 | 6, { current: DatagramSender & { close?: () => void }; since: number; previous?: { close?: () => void } }>();
  private resolved: Resolved | undefined;
  private resolving = false;
  /** Datagrams waiting for the first address of their host. */
  private waiting: Datagram[] = [];
  private readonly counters: BurstingUdpStats = { lookups: 0, dropped: 0 };

  constructor(options: BurstingUdpOptions = {}) {
    this.target = options.target;
    this.lookup =
      options.lookup ??
      ((hostname, callback) => {
        dns.lookup(hostname, callback);
      });
    this.refreshMs = options.refreshMs ?? 30_000;
    this.maxPending = options.maxPending ?? 64;
    this.rotateMs = options.rotateMs ?? 1_000;
    this.injected = options.socket;
  }

  get stats(): BurstingUdpStats {
    return { ...this.counters };
  }

  send(message: Buffer, offset: number, length: number, port: number, address: string, callback?: SendCallback): void {
    const datagram = { message, offset, length, port: this.target?.port ?? port, address: this.target?.host ?? address, callback };
    // Not unref'd: a process that ends on its own still sends what its last requests recorded.
    if (this.queued.push(datagram) === 1) {
      setImmediate(() => {
        this.flush();
      });
    }
  }

  private flush(): void {
    const burst = this.queued;
    this.queued = [];
    for (const datagram of burst) this.dispatch(datagram);
  }

  private dispatch(datagram: Datagram): void {
    const literal = isIP(datagram.address);
    if (literal === 4 || literal === 6) {
      this.transmit(datagram, datagram.address, literal);
      return;
    }
    const known = this.resolved?.host === datagram.address ? this.resolved : undefined;
    if (known) {
      if (Date.now() - known.at >= this.refreshMs) this.resolve(datagram.address);
      this.transmit(datagram, known.address, known.family);
      return;
    }
    if (this.waiting.length >= this.maxPending) {
      this.drop(datagram, new Error(`X-Ray daemon ${datagram.address} not resolved yet and ${this.maxPending} datagrams already wait: dropped`));
      return;
    }
    this.waiting.push(datagram);
    this.resolve(datagram.address);
  }

  /** One lookup at a time, whatever the number of datagrams: the rest wait for its answer or use the known address. */
  private resolve(host: string): void {
    if (this.resolving) return;
    this.resolving = true;
    this.counters.lookups += 1;
    this.lookup(host, (error, address, family) => {
      this.resolving = false;
      const waiting = this.waiting;
      this.waiting = [];
      if (error === null && (family === 4 || family === 6)) {
        this.resolved = { host, address, family, at: Date.now() };
      }
      // A failed refresh keeps the known address; datagrams waiting for a first address are dropped (the next send looks up again).
      for (const datagram of waiting) {
        if (this.resolved?.host === datagram.address) this.transmit(datagram, this.resolved.address, this.resolved.family);
        else this.drop(datagram, error ?? new Error(`X-Ray daemon ${datagram.address} did not resolve`));
      }
    });
  }

  private transmit(datagram: Datagram, address: string, family: 4 | 6): void {
    const { message, offset, length, port, callback } = datagram;
    this.socketFor(family).send(message, offset, length, port, address, (error, bytes) => {
      if (error && this.resolved?.address === address) this.resolved.at = -Infinity;
      callback?.(error, bytes);
    });
  }

  private drop(datagram: Datagram, error: Error): void {
    this.counters.dropped += 1;
    datagram.callback?.(error);
  }

  private socketFor(family: 4 | 6): DatagramSender {
    if (this.injected) return this.injected;
    const now = Date.now();
    const held = this.sockets.get(family);
    if (held && now - held.since < this.rotateMs) return held.current;
    held?.previous?.close?.();
    const current = dgram.createSocket(family === 6 ? 'udp6' : 'udp4').unref();
    this.sockets.set(family, { current, since: now, previous: held?.current });
    return current;
  }
}
