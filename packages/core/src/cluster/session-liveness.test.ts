import { connect, createServer, type ClientHttp2Session, type Http2Server, type ServerHttp2Session } from 'node:http2';
import { createServer as createTcpServer, connect as connectTcp, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { keepSessionAlive, type SessionLiveness } from './session-liveness.js';

const READ_IDLE_MS = 500;
const PING_TIMEOUT_MS = 500;

/** A real HTTP/2 server (cleartext) behind a TCP relay that can go silent: bytes dropped both ways, no FIN, no RST. */
interface Link {
  url: string;
  pingsReceived: () => number;
  /** The server writes a line on its open stream every `ms` (a watch with events). */
  streamEvery: (ms: number) => void;
  silence: () => void;
  /** Drops the client's bytes only: the server hears nothing more (no PING reaches it), its writes still arrive. */
  silenceUpstream: () => void;
  close: () => Promise<void>;
}

async function startLink(): Promise<Link> {
  let pings = 0;
  let silent = false;
  let upstreamSilent = false;
  const timers: NodeJS.Timeout[] = [];
  const sessions: ServerHttp2Session[] = [];
  let every = 0;
  const server: Http2Server = createServer();
  server.on('session', (session) => {
    sessions.push(session);
    session.on('ping', () => pings++);
  });
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    if (every > 0) timers.push(setInterval(() => stream.write('event\n'), every));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const target = (server.address() as AddressInfo).port;
  const sockets: Socket[] = [];
  const relay: Server = createTcpServer((client) => {
    const upstream = connectTcp(target, '127.0.0.1');
    sockets.push(client, upstream);
    client.on('data', (chunk) => void (silent || upstreamSilent || upstream.write(chunk)));
    upstream.on('data', (chunk) => void (silent || client.write(chunk)));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`,
    pingsReceived: () => pings,
    streamEvery: (ms) => (every = ms),
    silence: () => (silent = true),
    silenceUpstream: () => (upstreamSilent = true),
    close: async () => {
      timers.forEach(clearInterval);
      sockets.forEach((s) => s.destroy());
      sessions.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => relay.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let link: Link | undefined;
let session: ClientHttp2Session | undefined;

afterEach(async () => {
  session?.destroy();
  await link?.close();
  [link, session] = [undefined, undefined];
});

/**
 * Connects through the link, keeps the session alive with the test's short periods (`idleMs`: the
 * read-idle period), and opens one stream whose data counts as heard; `dead` collects the calls.
 */
async function watchedSession(l: Link, idleMs = READ_IDLE_MS): Promise<{ dead: Error[]; liveness: SessionLiveness }> {
  const dead: Error[] = [];
  let heardAt = -Infinity;
  session = connect(l.url);
  const liveness = keepSessionAlive(session, {
    dead: (why) => dead.push(why),
    lastHeard: () => heardAt,
    readIdleMs: idleMs,
    pingTimeoutMs: PING_TIMEOUT_MS,
  });
  const stream = session.request({ ':path': '/watch' }, { endStream: true });
  stream.on('data', () => (heardAt = performance.now()));
  await new Promise((resolve) => stream.once('response', resolve));
  return { dead, liveness };
}

/** Waits until `dead` has an entry or `ms` passed. */
async function deadWithin(dead: Error[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (dead.length === 0 && Date.now() < deadline) await sleep(20);
}

describe('keepSessionAlive', () => {
  it('pings a quiet connection every read-idle period and keeps it while the server answers', async () => {
    link = await startLink();
    const { dead } = await watchedSession(link);
    await sleep(READ_IDLE_MS * 5);
    expect(link.pingsReceived()).toBeGreaterThanOrEqual(2);
    expect(dead).toEqual([]);
  });

  it('sends no PING while frames arrive (a watch with events)', async () => {
    link = await startLink();
    link.streamEvery(READ_IDLE_MS / 10);
    const { dead } = await watchedSession(link);
    await sleep(READ_IDLE_MS * 4);
    expect(link.pingsReceived()).toBe(0);
    expect(dead).toEqual([]);
  });

  it('keeps PINGing one quiet connection after another with the same period has closed (they share one sweep)', async () => {
    const other = await startLink();
    const otherSession = connect(other.url);
    try {
      keepSessionAlive(otherSession, { dead: () => undefined, readIdleMs: READ_IDLE_MS, pingTimeoutMs: PING_TIMEOUT_MS });
      link = await startLink();
      const { dead } = await watchedSession(link);
      otherSession.destroy();
      await sleep(READ_IDLE_MS * 5);
      expect(link.pingsReceived()).toBeGreaterThanOrEqual(2);
      expect(dead).toEqual([]);
    } finally {
      otherSession.destroy();
      await other.close();
    }
  });

  it('finds a connection gone silent (no FIN, no RST) within read idle + PING timeout', async () => {
    link = await startLink();
    const { dead } = await watchedSession(link);
    link.silence();
    await deadWithin(dead, READ_IDLE_MS + PING_TIMEOUT_MS + 2000);
    expect(dead.map((e) => e.message)).toEqual([expect.stringContaining('no answer to an HTTP/2 PING')]);
  });
});

describe('keepSessionAlive: checkNow (a request on the session ran out of time)', () => {
  const LONG_IDLE_MS = 60_000;

  it('PINGs at once, without waiting for the read-idle period, and keeps a connection that answers', async () => {
    link = await startLink();
    const { dead, liveness } = await watchedSession(link, LONG_IDLE_MS);
    liveness.checkNow();
    liveness.checkNow();
    await sleep(PING_TIMEOUT_MS * 2);
    expect(link.pingsReceived()).toBe(1);
    expect(dead).toEqual([]);
  });

  it('finds a silent connection within the PING timeout, long before the read-idle period', async () => {
    link = await startLink();
    const { dead, liveness } = await watchedSession(link, LONG_IDLE_MS);
    link.silence();
    const started = Date.now();
    liveness.checkNow();
    await deadWithin(dead, PING_TIMEOUT_MS + 2000);
    expect(dead.map((e) => e.message)).toEqual([expect.stringContaining('no answer to an HTTP/2 PING')]);
    expect(Date.now() - started).toBeLessThan(LONG_IDLE_MS);
  });

  it('keeps a connection whose PING goes unanswered while its streams still receive data (busy, not dead)', async () => {
    link = await startLink();
    link.streamEvery(PING_TIMEOUT_MS / 10);
    const { dead, liveness } = await watchedSession(link, LONG_IDLE_MS);
    link.silenceUpstream();
    liveness.checkNow();
    await sleep(PING_TIMEOUT_MS * 3);
    expect(link.pingsReceived()).toBe(0);
    expect(dead).toEqual([]);
  });
});
