import dgram from 'node:dgram';

type SendCallback = (error: Error | null, bytes?: number) => void;

/** The part of a dgram socket this sends through. */
export type DatagramSender = Pick<dgram.Socket, 'send'>;

interface Datagram {
  message: Buffer;
  offset: number;
  length: number;
  port: number;
  address: string;
  callback?: SendCallback;
}

/**
 * The socket the X-Ray SDK's emitter sends segments through. The emitter takes any object with dgram's
 * positional `send` (its own BatchingTemporarySocket is one); this one holds the datagrams of an event-loop turn
 * and sends them back to back once the turn's I/O is done. Each segment still travels in a datagram of its own,
 * as the daemon reads one per datagram, but the daemon is woken once per burst rather than once per request.
 */
export class BurstingUdpSocket {
  private queued: Datagram[] = [];

  constructor(private readonly socket: DatagramSender = dgram.createSocket('udp4').unref()) {}

  send(message: Buffer, offset: number, length: number, port: number, address: string, callback?: SendCallback): void {
    // Not unref'd: a process that ends on its own still sends what its last requests recorded.
    if (this.queued.push({ message, offset, length, port, address, callback }) === 1) {
      setImmediate(() => {
        this.flush();
      });
    }
  }

  private flush(): void {
    const burst = this.queued;
    this.queued = [];
    for (const { message, offset, length, port, address, callback } of burst) this.socket.send(message, offset, length, port, address, callback);
  }
}
