// The Helm 2 client run the way an operator runs it against a remote's Tiller, to look at (or tamper
// with) the releases the tiller backend made.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where a Helm 2 client talks to: its binary and the Tiller's `host:port`. */
export interface TillerAccess {
  helm2: string;
  tillerHost: string;
}

/** Runs `helm ARGS --host TILLER` with a throw-away HELM_HOME and only PATH in its environment; resolves with stdout. */
export async function helm2(access: TillerAccess, ...args: string[]): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'tiller-it-home-'));
  try {
    const { stdout } = await run(access.helm2, [...args, '--host', access.tillerHost, '--home', home], { env: { PATH: process.env.PATH ?? '' } });
    return stdout;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** `helm history RELEASE --output json`'s text, or undefined when Tiller has no such release. */
export async function helm2History(access: TillerAccess, release = 'istio-remote'): Promise<string | undefined> {
  try {
    return await helm2(access, 'history', release, '--output', 'json');
  } catch (err) {
    if (/not found/.test(String((err as { stderr?: string }).stderr))) return undefined;
    throw err;
  }
}

/** `REVISION:STATUS` of every revision of a release, oldest first, as `helm history` lists them; [] when it has none. */
export async function tillerRevisions(access: TillerAccess, release = 'istio-remote'): Promise<string[]> {
  const text = await helm2History(access, release);
  if (text === undefined) return [];
  const entries = JSON.parse(text) as { revision: number; status: string }[];
  return entries.sort((a, b) => a.revision - b.revision).map((e) => `${e.revision}:${e.status}`);
}
