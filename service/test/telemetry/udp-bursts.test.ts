import dgram from 'node:dgram';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { expect } from 'chai';
import { BurstingUdpSocket } from '../../src/telemetry/udp-bursts';

/** A loopback UDP listener that keeps what it receives, as text. */
async function listener(): Promise<{ port: number; received: string[]; close: () => void; waitFor: (count: number) => Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (message) => received.push(message.toString()));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const waitFor = async (count: number) => {
    const deadline = Date.now() + 5_000;
    while (received.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  return { port: socket.address().port, received, close: () => socket.close(), waitFor };
}

/** A real socket whose sends are counted as they reach it (bound first: an unbound socket sends twice, to bind). */
async function countedSocket(): Promise<{ socket: dgram.Socket; sends: () => number }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let sends = 0;
  const send = socket.send.bind(socket) as (...args: unknown[]) => void;
  socket.send = ((...args: unknown[]) => {
    sends += 1;
    send(...args);
  }) as typeof socket.send;
  return { socket, sends: () => sends };
}

function sendText(bursting: BurstingUdpSocket, text: string, port: number, callback?: (error: Error | null) => void): void {
  const message = Buffer.from(text);
  bursting.send(message, 0, message.length, port, '127.0.0.1', callback);
}

describe('bursting UDP socket (what the X-Ray emitter sends through)', () => {
  it("holds a turn's datagrams until its I/O is done, then sends each, in order", async () => {
    const daemon = await listener();
    const { socket, sends } = await countedSocket();
    try {
      const bursting = new BurstingUdpSocket(socket);
      const results: (Error | null)[] = [];
      for (const text of ['first', 'second', 'third']) sendText(bursting, text, daemon.port, (error) => results.push(error));
      await Promise.resolve();
      expect(sends(), 'sent within the turn').to.equal(0);
      await nextTurn();
      expect(sends()).to.equal(3);
      await daemon.waitFor(3);
      expect(daemon.received).to.deep.equal(['first', 'second', 'third']);
      expect(results).to.deep.equal([null, null, null]);
    } finally {
      socket.close();
      daemon.close();
    }
  });

  it('starts a new burst for what a later turn sends', async () => {
    const daemon = await listener();
    const { socket, sends } = await countedSocket();
    try {
      const bursting = new BurstingUdpSocket(socket);
      sendText(bursting, 'one', daemon.port);
      await nextTurn();
      sendText(bursting, 'two', daemon.port);
      expect(sends()).to.equal(1);
      await nextTurn();
      expect(sends()).to.equal(2);
      await daemon.waitFor(2);
      expect(daemon.received).to.deep.equal(['one', 'two']);
    } finally {
      socket.close();
      daemon.close();
    }
  });

  it('hands a datagram the kernel refuses its own error and still sends the rest of the burst', async () => {
    const daemon = await listener();
    const socket = dgram.createSocket('udp4');
    try {
      const bursting = new BurstingUdpSocket(socket);
      const refused = new Promise<Error | null>((resolve) => {
        sendText(bursting, 'x'.repeat(70_000), daemon.port, resolve);
      });
      sendText(bursting, 'after', daemon.port);
      expect(await refused).to.have.property('code', 'EMSGSIZE');
      await daemon.waitFor(1);
      expect(daemon.received).to.deep.equal(['after']);
    } finally {
      socket.close();
      daemon.close();
    }
  });
});
