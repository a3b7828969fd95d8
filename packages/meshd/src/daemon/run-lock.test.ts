import { describe, expect, it } from 'vitest';
import { RunLock } from './run-lock.js';

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

describe('RunLock', () => {
  it('lets shared holders overlap and keeps an exclusive holder alone', async () => {
    const lock = new RunLock();
    const log: string[] = [];
    const job = (name: string, exclusive: boolean) => lock.with(exclusive, async () => {
      log.push(`+${name}`);
      await tick();
      log.push(`-${name}`);
    });
    await Promise.all([job('east', false), job('west', false), job('all', true), job('north', false)]);
    expect(log.slice(0, 4)).toEqual(['+east', '+west', '-east', '-west']);
    expect(log.slice(4)).toEqual(['+all', '-all', '+north', '-north']);
  });

  it('releases the lock when the holder throws', async () => {
    const lock = new RunLock();
    await expect(lock.with(true, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.with(false, () => Promise.resolve(1))).resolves.toBe(1);
  });
});
