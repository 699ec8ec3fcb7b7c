import dgram from 'node:dgram';
import dns from 'node:dns';
import { once } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { expect } from 'chai';
import { BurstingUdpSocket, daemonTarget, type Lookup } from '../../src/telemetry/udp-bursts';

/** A loopback UDP listener (IPv4 by default) that keeps what it receives, as text. */
async function listener(
  family: 4 | 6 = 4,
): Promise<{ port: number; received: string[]; sources: number[]; close: () => void; waitFor: (count: number) => Promise<void> }> {
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  const received: string[] = [];
  const sources: number[] = [];
  socket.on('message', (message, from) => {
    received.push(message.toString());
    sources.push(from.port);
    socket.emit('received');
  });
  await new Promise<void>((resolve) => socket.bind(0, family === 6 ? '::1' : '127.0.0.1', resolve));
  const waitFor = async (count: number) => {
    while (received.length < count) await once(socket, 'received');
  };
  return { port: socket.address().port, received, sources, close: () => socket.close(), waitFor };
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
      const bursting = new BurstingUdpSocket({ socket });
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
      const bursting = new BurstingUdpSocket({ socket });
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
      const bursting = new BurstingUdpSocket({ socket });
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

/** dns.lookup of the name for IPv4 (the listener's family), counting the lookups. */
function countedLookup(): { lookup: Lookup; lookups: () => number } {
  let lookups = 0;
  const lookup: Lookup = (hostname, callback) => {
    lookups += 1;
    dns.lookup(hostname, { family: 4 }, callback);
  };
  return { lookup, lookups: () => lookups };
}

/** A lookup that answers only when told to, as a slow DNS server does. */
function heldLookup(): { lookup: Lookup; answer: (error: Error | null, address?: string) => void; lookups: () => number } {
  const pending: Parameters<Lookup>[1][] = [];
  let lookups = 0;
  return {
    lookup: (_hostname, callback) => {
      lookups += 1;
      pending.push(callback);
    },
    answer: (error, address = '127.0.0.1') => {
      for (const callback of pending.splice(0)) callback(error, address, 4);
    },
    lookups: () => lookups,
  };
}

function sendTo(bursting: BurstingUdpSocket, text: string, callback?: (error: Error | null) => void): void {
  const message = Buffer.from(text);
  // The port and address the X-Ray emitter passes; the socket's target overrides them.
  bursting.send(message, 0, message.length, 2000, 'from-the-sdk', callback);
}

describe('bursting UDP socket: the daemon address', () => {
  it('resolves a daemon host name once for all the datagrams it sends', async () => {
    const daemon = await listener();
    const { lookup, lookups } = countedLookup();
    try {
      const bursting = new BurstingUdpSocket({ target: { host: 'localhost', port: daemon.port }, lookup });
      for (let turn = 0; turn < 5; turn += 1) {
        for (let i = 0; i < 10; i += 1) sendTo(bursting, `segment ${turn}.${i}`);
        await daemon.waitFor(10 * (turn + 1));
      }
      expect(daemon.received).to.have.lengthOf(50);
      expect(lookups()).to.equal(1);
    } finally {
      daemon.close();
    }
  });

  it('looks the name up again once refreshMs has passed, still sending to the address it knows', async () => {
    const daemon = await listener();
    const { lookup, lookups } = countedLookup();
    try {
      const bursting = new BurstingUdpSocket({ target: { host: 'localhost', port: daemon.port }, lookup, refreshMs: 0 });
      sendTo(bursting, 'first');
      await daemon.waitFor(1);
      sendTo(bursting, 'second');
      await daemon.waitFor(2);
      expect(lookups()).to.equal(2);
      expect(daemon.received).to.deep.equal(['first', 'second']);
    } finally {
      daemon.close();
    }
  });

  it('looks the name up again after a send fails', async () => {
    const daemon = await listener();
    const { lookup, lookups } = countedLookup();
    try {
      const bursting = new BurstingUdpSocket({ target: { host: 'localhost', port: daemon.port }, lookup });
      const refused = new Promise<Error | null>((resolve) => {
        sendTo(bursting, 'x'.repeat(70_000), resolve);
      });
      expect(await refused).to.have.property('code', 'EMSGSIZE');
      sendTo(bursting, 'after');
      await daemon.waitFor(1);
      expect(lookups()).to.equal(2);
    } finally {
      daemon.close();
    }
  });

  it('holds at most maxPending datagrams while the name is first resolved, dropping and counting the rest', async () => {
    const daemon = await listener();
    const resolver = heldLookup();
    try {
      const bursting = new BurstingUdpSocket({ target: { host: 'xray.cruddur.svc', port: daemon.port }, lookup: resolver.lookup, maxPending: 4 });
      const dropped: Error[] = [];
      for (let i = 0; i < 10; i += 1) sendTo(bursting, `segment ${i}`, (error) => error && dropped.push(error));
      await nextTurn();
      expect(bursting.stats).to.deep.equal({ lookups: 1, dropped: 6 });
      expect(dropped).to.have.lengthOf(6);

      resolver.answer(null);
      await daemon.waitFor(4);
      expect(daemon.received).to.deep.equal(['segment 0', 'segment 1', 'segment 2', 'segment 3']);
    } finally {
      daemon.close();
    }
  });

  it('drops, counted, what waited for a name that did not resolve, and looks it up again on the next send', async () => {
    const daemon = await listener();
    const resolver = heldLookup();
    try {
      const bursting = new BurstingUdpSocket({ target: { host: 'xray.cruddur.svc', port: daemon.port }, lookup: resolver.lookup });
      const failed = new Promise<Error | null>((resolve) => {
        sendTo(bursting, 'lost', resolve);
      });
      await nextTurn();
      resolver.answer(Object.assign(new Error('getaddrinfo EAI_AGAIN xray.cruddur.svc'), { code: 'EAI_AGAIN' }));
      expect(await failed).to.have.property('code', 'EAI_AGAIN');

      sendTo(bursting, 'delivered');
      await nextTurn();
      resolver.answer(null);
      await daemon.waitFor(1);
      expect(daemon.received).to.deep.equal(['delivered']);
      expect(bursting.stats).to.deep.equal({ lookups: 2, dropped: 1 });
    } finally {
      daemon.close();
    }
  });

  it('sends to an IPv6 literal daemon address over a udp6 socket, without a lookup', async () => {
    const daemon = await listener(6);
    const { lookup, lookups } = countedLookup();
    try {
      const target = daemonTarget(`[::1]:${String(daemon.port)}`);
      const bursting = new BurstingUdpSocket({ target, lookup });
      sendTo(bursting, 'over IPv6');
      await daemon.waitFor(1);
      expect(daemon.received).to.deep.equal(['over IPv6']);
      expect(lookups()).to.equal(0);
    } finally {
      daemon.close();
    }
  });

  it('sends from a new source port once rotateMs has passed, so a flow pinned to a daemon pod that is going away moves on', async () => {
    const daemon = await listener();
    const target = { host: '127.0.0.1', port: daemon.port };
    try {
      const kept = new BurstingUdpSocket({ target });
      sendText(kept, 'one', daemon.port);
      await daemon.waitFor(1);
      sendText(kept, 'two', daemon.port);
      await daemon.waitFor(2);
      const rotating = new BurstingUdpSocket({ target, rotateMs: 0 });
      sendText(rotating, 'three', daemon.port);
      await daemon.waitFor(3);
      sendText(rotating, 'four', daemon.port);
      await daemon.waitFor(4);
      const [one, two, three, four] = daemon.sources;
      expect(two, 'within rotateMs: the same port').to.equal(one);
      expect(four, 'past rotateMs: another port').not.to.equal(three);
    } finally {
      daemon.close();
    }
  });

  it("reads the UDP address from each of AWS_XRAY_DAEMON_ADDRESS's forms", () => {
    expect(daemonTarget('xray.cruddur.svc:2000')).to.deep.equal({ host: 'xray.cruddur.svc', port: 2000 });
    expect(daemonTarget('[fd00::10]:2000')).to.deep.equal({ host: 'fd00::10', port: 2000 });
    expect(daemonTarget('tcp:10.0.0.1:2001 udp:10.0.0.2:2000')).to.deep.equal({ host: '10.0.0.2', port: 2000 });
    expect(daemonTarget('no-port')).to.equal(undefined);
  });
});
