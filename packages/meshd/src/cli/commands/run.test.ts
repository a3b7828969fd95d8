import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureIo, freePort } from '@meshd/testkit';
import { runDaemon, type RunProcess } from './run.js';
import { Redactor } from '../../output/redact.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'meshd-run-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function fakeProcess(): RunProcess & { logs: string[]; signals: EventEmitter & RunProcess['signals']; exits: number[] } {
  const logs: string[] = [];
  const exits: number[] = [];
  const emitter = new EventEmitter();
  return {
    logs,
    exits,
    signals: emitter,
    stdout: new Writable({
      write(chunk, _e, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
    pid: 1234,
    hostname: 'bastion',
    exit: (code) => void exits.push(code),
  };
}

async function until(ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('meshd run', () => {
  it('refuses an invalid meshd.yaml with exit 1 and the file position', async () => {
    await writeFile(join(root, 'meshd.yaml'), 'resync: 10m\nlisten: nowhere\n');
    const io = Object.assign(captureIo(root), { setExitCode: () => undefined, redactor: new Redactor() });
    const code = await runDaemon({ config: join(root, 'meshd.yaml') }, io, fakeProcess());
    expect(code).toBe(1);
    expect(io.stderrText).toMatch(/meshd\.yaml:2:\d+: error: listen/);
  });

  it('runs over an empty directory (not ready, nothing changed), then exits 0 on SIGTERM', async () => {
    const dir = join(root, 'clusters');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    const proc = fakeProcess();
    const io = Object.assign(captureIo(root), { setExitCode: () => undefined, redactor: new Redactor() });
    const exit = runDaemon({ dir, config: join(root, 'none.yaml'), listen: '127.0.0.1:0' }, io, proc);
    expect(await exit.then(() => io.stderrText)).toContain('does not exist');
    const port = await freePort();
    await writeFile(join(root, 'meshd.yaml'), `directory: ${dir}\nlisten: 127.0.0.1:${port}\n`);
    const running = runDaemon({ config: join(root, 'meshd.yaml') }, io, proc);
    await until(() => proc.logs.some((l) => l.includes('waiting for it to change')));
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as { errors: { code: string; message: string }[] };
    expect(status.errors.map((e) => `${e.code} ${e.message}`).join()).toContain('MESHD_ERR_INVALID_DIRECTORY the directory names no usable control plane');
    proc.signals.emit('SIGTERM');
    expect(await running).toBe(0);
    expect(proc.exits).toEqual([0]);
    expect(proc.logs.every((l) => JSON.parse(l) !== undefined)).toBe(true);
  });

  it('keeps the running configuration when SIGHUP reads an empty (half-written) meshd.yaml', async () => {
    const dir = join(root, 'clusters');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    const port = await freePort();
    const config = join(root, 'meshd.yaml');
    await writeFile(config, `directory: ${dir}\nlisten: 127.0.0.1:${port}\n`);
    const proc = fakeProcess();
    const io = Object.assign(captureIo(root), { setExitCode: () => undefined, redactor: new Redactor() });
    const running = runDaemon({ config }, io, proc);
    await until(() => proc.logs.some((l) => l.includes('meshd is running')));
    await writeFile(config, '  \n');
    proc.signals.emit('SIGHUP');
    await until(() => proc.logs.some((l) => l.includes('config reload failed')));
    const failed = proc.logs
      .map((l) => JSON.parse(l) as { msg: string; err?: string })
      .find((r) => r.msg === 'config reload failed; keeping the previous configuration');
    expect(failed?.err).toBe(`config file ${config} is empty; keeping the running configuration`);
    const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as { directory: { path: string } };
    expect(status.directory.path).toBe(dir);
    proc.signals.emit('SIGTERM');
    expect(await running).toBe(0);
  });
});
