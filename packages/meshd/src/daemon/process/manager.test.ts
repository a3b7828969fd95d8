import { recordingLogger } from '@meshd/testkit';
import { describe, expect, it } from 'vitest';
import { RunnableManager, RunnableStartError, type Runnable } from './manager.js';

/** An in-memory runnable that writes what happens to it into a shared journal. */
function part(
  journal: string[],
  name: string,
  extra: Partial<Runnable> & { failStart?: boolean; hangStop?: boolean } = {},
): Runnable & { signal?: AbortSignal } {
  const runnable: Runnable & { signal?: AbortSignal } = {
    name,
    ...extra,
    start: (signal) => {
      runnable.signal = signal;
      signal.addEventListener('abort', () => journal.push(`abort ${name}`), { once: true });
      if (extra.failStart === true) return Promise.reject(new Error('port 9580 is in use'));
      journal.push(`start ${name}`);
      return Promise.resolve();
    },
    stop: () => {
      journal.push(`stop ${name}`);
      return extra.hangStop === true ? new Promise<void>(() => undefined) : Promise.resolve();
    },
  };
  return runnable;
}

describe('RunnableManager', () => {
  it('starts runnables in the order they were added and stops them in reverse, then aborts their signals', async () => {
    const journal: string[] = [];
    const manager = new RunnableManager({ logger: recordingLogger(), leaderElection: false });
    manager.add(part(journal, 'health')).add(part(journal, 'queue')).add(part(journal, 'directory'));
    await manager.start();
    expect(manager.runningNames()).toEqual(['health', 'queue', 'directory']);
    await manager.stop();
    expect(journal).toEqual([
      'start health',
      'start queue',
      'start directory',
      'stop directory',
      'stop queue',
      'stop health',
      'abort directory',
      'abort queue',
      'abort health',
    ]);
    expect(manager.runningNames()).toEqual([]);
  });

  it('a start that fails stops the ones already started (in reverse), starts no later one, and names the runnable', async () => {
    const journal: string[] = [];
    const logger = recordingLogger();
    const manager = new RunnableManager({ logger, leaderElection: false });
    manager
      .add(part(journal, 'state'))
      .add(part(journal, 'queue'))
      .add(part(journal, 'health', { failStart: true }))
      .add(part(journal, 'directory'));
    const failure = await manager.start().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(RunnableStartError);
    expect((failure as RunnableStartError).runnable).toBe('health');
    expect((failure as Error).message).toBe('cannot start health: port 9580 is in use');
    expect(journal).toEqual(['start state', 'start queue', 'abort health', 'stop queue', 'stop state', 'abort queue', 'abort state']);
    expect(manager.runningNames()).toEqual([]);
    expect(logger.entries.some((e) => e.level === 'error' && (e.obj as { runnable?: string }).runnable === 'health')).toBe(true);
    await manager.stop();
    expect(journal.filter((j) => j.startsWith('stop'))).toEqual(['stop queue', 'stop state']);
  });

  it('runs leader-only runnables only while leading, in their place in the order, and stops them when the lease is lost', async () => {
    const journal: string[] = [];
    const manager = new RunnableManager({ logger: recordingLogger(), leaderElection: true });
    const workers = part(journal, 'workers', { needsLeader: true });
    manager
      .add(part(journal, 'health'))
      .add(part(journal, 'timers', { needsLeader: true }))
      .add(part(journal, 'elector'))
      .add(workers);
    await manager.start();
    expect(manager.runningNames()).toEqual(['health', 'elector']);

    await manager.startLeading();
    expect(manager.runningNames()).toEqual(['health', 'timers', 'elector', 'workers']);
    expect(manager.isLeading()).toBe(true);
    const term = workers.signal;

    journal.length = 0;
    await manager.stopLeading();
    // Lost the lease: their work stops at once (signals first), then they stop, last started first.
    expect(journal).toEqual(['abort timers', 'abort workers', 'stop workers', 'stop timers']);
    expect(term?.aborted).toBe(true);
    expect(manager.runningNames()).toEqual(['health', 'elector']);

    await manager.startLeading();
    expect(workers.signal?.aborted).toBe(false);
    expect(manager.runningNames()).toEqual(['health', 'timers', 'elector', 'workers']);

    journal.length = 0;
    await manager.stop();
    // A graceful stop while leading: every stop first, in reverse of the order added, then the signals.
    expect(journal.filter((j) => j.startsWith('stop'))).toEqual(['stop workers', 'stop elector', 'stop timers', 'stop health']);
    expect(journal.indexOf('abort workers')).toBeGreaterThan(journal.indexOf('stop health'));
    await manager.startLeading();
    expect(manager.runningNames()).toEqual([]);
  });

  it('without leader election, leader-only runnables run from start to stop and leadership calls change nothing', async () => {
    const journal: string[] = [];
    const manager = new RunnableManager({ logger: recordingLogger(), leaderElection: false });
    manager.add(part(journal, 'health')).add(part(journal, 'workers', { needsLeader: true }));
    await manager.start();
    await manager.stopLeading();
    await manager.startLeading();
    expect(manager.runningNames()).toEqual(['health', 'workers']);
    expect(journal).toEqual(['start health', 'start workers']);
    await manager.stop();
  });

  it('a failing leader-only start stops the leader-only ones it started and leaves this process not leading', async () => {
    const journal: string[] = [];
    const manager = new RunnableManager({ logger: recordingLogger(), leaderElection: true });
    manager
      .add(part(journal, 'health'))
      .add(part(journal, 'timers', { needsLeader: true }))
      .add(part(journal, 'workers', { needsLeader: true, failStart: true }));
    await manager.start();
    await expect(manager.startLeading()).rejects.toThrow('cannot start workers: port 9580 is in use');
    expect(manager.isLeading()).toBe(false);
    expect(manager.runningNames()).toEqual(['health']);
    expect(journal).toContain('stop timers');
    await manager.stop();
  });

  it('a stop that hangs is given up after its bound (logged), and the runnables before it still stop', async () => {
    const journal: string[] = [];
    const logger = recordingLogger();
    const manager = new RunnableManager({ logger, leaderElection: false, stopTimeoutMs: 5_000 });
    manager
      .add(part(journal, 'health'))
      .add(part(journal, 'queue', { hangStop: true, stopTimeoutMs: 20 }))
      .add(part(journal, 'directory'));
    await manager.start();
    await manager.stop();
    expect(journal.filter((j) => j.startsWith('stop'))).toEqual(['stop directory', 'stop queue', 'stop health']);
    expect(journal).toContain('abort queue');
    const warning = logger.entries.find((e) => e.level === 'warn');
    expect(warning?.obj).toEqual({ runnable: 'queue', boundMs: 20 });
  });

  it('a stop that throws is logged and the others still stop', async () => {
    const journal: string[] = [];
    const logger = recordingLogger();
    const manager = new RunnableManager({ logger, leaderElection: false });
    const broken: Runnable = { name: 'watches', start: () => Promise.resolve(), stop: () => Promise.reject(new Error('socket closed')) };
    manager.add(part(journal, 'health')).add(broken);
    await manager.start();
    await manager.stop();
    expect(journal).toContain('stop health');
    expect(logger.entries.find((e) => e.level === 'error')?.obj).toEqual({ runnable: 'watches', err: 'socket closed' });
  });

  it('serialises transitions: a lease lost while leading starts takes effect after the start, and stop waits for both', async () => {
    const journal: string[] = [];
    const manager = new RunnableManager({ logger: recordingLogger(), leaderElection: true });
    let release: (() => void) | undefined;
    const slow: Runnable = {
      name: 'slow',
      needsLeader: true,
      start: () => new Promise<void>((resolve) => (release = resolve)).then(() => void journal.push('start slow')),
      stop: () => Promise.resolve(void journal.push('stop slow')),
    };
    manager.add(slow);
    await manager.start();
    const leading = manager.startLeading();
    const lost = manager.stopLeading();
    const stopped = manager.stop();
    while (release === undefined) await new Promise((resolve) => setImmediate(resolve));
    release();
    await Promise.all([leading, lost, stopped]);
    expect(journal).toEqual(['start slow', 'stop slow']);
    await expect(manager.start()).rejects.toThrow('the manager has stopped');
  });
});
