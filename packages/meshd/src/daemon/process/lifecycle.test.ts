import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installLifecycle, type LifecycleTarget, type SignalSource } from './lifecycle.js';
import { createDaemonLogger } from './logger.js';
import { Redactor } from '../../output/redact.js';
import { recordingLogger } from '@meshd/testkit';

function signals(): SignalSource & { send(signal: NodeJS.Signals): void } {
  const emitter = new EventEmitter();
  return { on: (s, l) => emitter.on(s, l), off: (s, l) => emitter.off(s, l), send: (s) => void emitter.emit(s) };
}

/** A daemon whose shutdown never finishes, wired to fresh signals; the exit codes it asked for. */
function hungShutdown(graceMs?: number): { source: ReturnType<typeof signals>; exits: number[] } {
  const source = signals();
  const exits: number[] = [];
  installLifecycle({
    signals: source,
    target: { shutdown: () => new Promise(() => undefined), reload: () => Promise.resolve(true) },
    logger: recordingLogger(),
    exit: (c) => exits.push(c),
    ...(graceMs === undefined ? {} : { graceMs }),
  });
  return { source, exits };
}

describe('installLifecycle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('on SIGTERM lets the shutdown finish, then exits 0', async () => {
    const source = signals();
    const exits: number[] = [];
    let finish!: () => void;
    const target: LifecycleTarget = { shutdown: () => new Promise((resolve) => (finish = resolve)), reload: () => Promise.resolve(true) };
    installLifecycle({ signals: source, target, logger: recordingLogger(), exit: (c) => exits.push(c) });
    source.send('SIGTERM');
    await vi.advanceTimersByTimeAsync(5000);
    expect(exits).toEqual([]);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(exits).toEqual([0]);
  });

  it('exits 0 after the grace period when the action in flight does not finish', async () => {
    const { source, exits } = hungShutdown(20_000);
    source.send('SIGINT');
    await vi.advanceTimersByTimeAsync(19_999);
    expect(exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(exits).toEqual([0]);
  });

  it('exits 1 at once on a second signal while stopping', () => {
    const { source, exits } = hungShutdown();
    source.send('SIGTERM');
    source.send('SIGINT');
    expect(exits).toEqual([1]);
  });

  it('reloads on SIGHUP one at a time, merging a SIGHUP that arrives during a reload into one more', async () => {
    const source = signals();
    let reloads = 0;
    const target: LifecycleTarget = {
      shutdown: () => Promise.resolve(),
      reload: () => (reloads++, new Promise((resolve) => setTimeout(() => resolve(true), 100))),
    };
    installLifecycle({ signals: source, target, logger: recordingLogger(), exit: () => undefined });
    source.send('SIGHUP');
    source.send('SIGHUP');
    source.send('SIGHUP');
    await vi.advanceTimersByTimeAsync(1000);
    expect(reloads).toBe(2);
  });

  it('keeps running when a reload throws, and logs it', async () => {
    const source = signals();
    const logger = recordingLogger();
    installLifecycle({
      signals: source,
      target: { shutdown: () => Promise.resolve(), reload: () => Promise.reject(new Error('boom')) },
      logger,
      exit: () => undefined,
    });
    source.send('SIGHUP');
    await vi.advanceTimersByTimeAsync(0);
    expect(logger.entries.some((e) => e.level === 'error' && e.msg?.includes('keeping the previous configuration'))).toBe(true);
  });
});

describe('createDaemonLogger', () => {
  function sink(isTTY: boolean): Writable & { text: string; isTTY: boolean } {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        chunks.push(String(chunk));
        cb();
      },
    }) as Writable & { text: string; isTTY: boolean };
    Object.defineProperty(stream, 'text', { get: () => chunks.join('') });
    stream.isTTY = isTTY;
    return stream;
  }

  it('writes one JSON object per line when stdout is not a TTY, with credentials scrubbed', () => {
    const out = sink(false);
    const redactor = new Redactor();
    redactor.add(['sekret-token-123456']);
    const logger = createDaemonLogger({ destination: out, redactor });
    logger.child({ cluster: 'east' }).error({ err: 'Bearer sekret-token-123456 rejected' }, 'apply failed');
    const line = JSON.parse(out.text.trim());
    expect(line).toMatchObject({ level: 50, cluster: 'east', msg: 'apply failed', err: 'Bearer [redacted] rejected' });
  });

  it('writes readable lines when stdout is a TTY', () => {
    const out = sink(true);
    createDaemonLogger({ destination: out, redactor: new Redactor() }).info({ key: 'east' }, 'reconciled');
    expect(out.text).toContain('reconciled');
    expect(() => JSON.parse(out.text) as unknown).toThrow();
  });
});
