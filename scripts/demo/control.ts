// The running demo's control channel: `npm run demo -- ACTION [NAME]` from another terminal asks the
// demo (which owns the clusters) to act. HTTP on 127.0.0.1 with a random token kept in a 0600 file,
// so neither another user nor a web page can trigger an action.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDemoAction, type DemoAction } from './actions.js';

/** What the control file holds. */
interface ControlFile {
  url: string;
  token: string;
}

/** Starts the control server; `act` runs an action and resolves with its result text. */
export async function startControl(file: string, act: (action: DemoAction, name: string | undefined) => Promise<string>): Promise<Server> {
  const token = randomBytes(24).toString('hex');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const action = url.pathname.replace(/^\/action\//, '');
    const reply = (code: number, body: object): void => void res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method !== 'POST' || req.headers.authorization !== `Bearer ${token}`) return reply(403, { error: 'forbidden' });
    if (!isDemoAction(action)) return reply(404, { error: `unknown action ${action}` });
    act(action, url.searchParams.get('name') ?? undefined).then(
      (result) => reply(200, { result }),
      (err: unknown) => reply(409, { error: err instanceof Error ? err.message : String(err) }),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const control: ControlFile = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token };
  await writeFile(file, JSON.stringify(control), { mode: 0o600 });
  server.unref();
  return server;
}

/** Asks the running demo to act; resolves with its answer, throws when no demo runs or the action failed. */
export async function requestAction(file: string, action: DemoAction, name: string | undefined): Promise<string> {
  let control: ControlFile;
  try {
    control = JSON.parse(await readFile(file, 'utf8')) as ControlFile;
  } catch {
    throw new Error('no demo is running here: start one with `npm run demo` in another terminal');
  }
  const query = name === undefined ? '' : `?name=${encodeURIComponent(name)}`;
  const res = await fetch(`${control.url}/action/${action}${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${control.token}` },
    signal: AbortSignal.timeout(60_000),
  });
  const body = (await res.json()) as { result?: string; error?: string };
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body.result ?? '';
}
