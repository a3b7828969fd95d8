import { connect, createServer, type ClientHttp2Session, type Http2Server, type ServerHttp2Session } from 'node:http2';
import { createServer as createTcpServer, connect as connectTcp, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { keepSessionAlive } from './session-liveness.js';

const READ_IDLE_MS = 500;
const PING_TIMEOUT_MS = 500;

/** A real HTTP/2 server (cleartext) behind a TCP relay that can go silent: bytes dropped both ways, no FIN, no RST. */
interface Link {
  url: string;
  pingsReceived: () => number;
  /** The server writes a line on its open stream every `ms` (a watch with events). */
  streamEvery: (ms: number) => void;
  silence: () => void;
  close: () => Promise<void>;
}

async function startLink(): Promise<Link> {
  let pings = 0;
  let silent = false;
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
    client.on('data', (chunk) => void (silent || upstream.write(chunk)));
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

/** Connects through the link, keeps the session alive with the test's short periods, and opens one stream; `dead` collects the calls. */
async function watchedSession(l: Link): Promise<{ dead: Error[] }> {
  const dead: Error[] = [];
  session = connect(l.url);
  keepSessionAlive(session, { dead: (why) => dead.push(why), readIdleMs: READ_IDLE_MS, pingTimeoutMs: PING_TIMEOUT_MS });
  const stream = session.request({ ':path': '/watch' }, { endStream: true });
  stream.on('data', () => undefined);
  await new Promise((resolve) => stream.once('response', resolve));
  return { dead };
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

  it('finds a connection gone silent (no FIN, no RST) within read idle + PING timeout', async () => {
    link = await startLink();
    const { dead } = await watchedSession(link);
    link.silence();
    const deadline = Date.now() + READ_IDLE_MS + PING_TIMEOUT_MS + 2000;
    while (dead.length === 0 && Date.now() < deadline) await sleep(20);
    expect(dead.map((e) => e.message)).toEqual([expect.stringContaining('no answer to an HTTP/2 PING')]);
  });
});
