import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CredentialTimers } from './credential-timers.js';
import { parseClusterz } from '../status/istiod-sync.js';

const status = (
  cluster: string,
  nextEventAt?: string,
): { cluster: string; kind: 'token-request'; serviceAccount: string; issuedAt: string; nextEventAt?: string } =>
  nextEventAt === undefined
    ? { cluster, kind: 'token-request', serviceAccount: 'istio-system/reader', issuedAt: '2026-12-01T00:00:00.000Z' }
    : { cluster, kind: 'token-request', serviceAccount: 'istio-system/reader', issuedAt: '2026-12-01T00:00:00.000Z', nextEventAt };

describe('CredentialTimers: one timer per credential, no polling', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-12-01T00:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('enqueues each cluster at its next event, once, and re-arms only when the time changes', () => {
    const fired: string[] = [];
    const timers = new CredentialTimers((k) => fired.push(k));
    timers.update([status('east', '2026-12-01T16:00:00.000Z'), status('west', '2026-12-01T01:00:00.000Z'), status('legacy')]);
    expect([...timers.armed().keys()].sort()).toEqual(['east', 'west']);
    vi.advanceTimersByTime(3_600_000);
    expect(fired).toEqual(['west']);
    timers.update([status('east', '2026-12-01T16:00:00.000Z')]);
    expect([...timers.armed().keys()]).toEqual(['east']);
    vi.advanceTimersByTime(15 * 3_600_000);
    expect(fired).toEqual(['west', 'east']);
    timers.stopAll();
  });

  it('an event already due is retried after a second, never in a tight loop', () => {
    const fired: string[] = [];
    const timers = new CredentialTimers((k) => fired.push(k));
    timers.update([status('east', '2026-11-30T00:00:00.000Z')]);
    vi.advanceTimersByTime(999);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['east']);
  });
});

describe("parseClusterz: istiod's answer is untrusted", () => {
  it('reads id → syncStatus', () => {
    expect(parseClusterz('[{"id":"cp","secretName":"","syncStatus":"synced"},{"id":"remote-1","syncStatus":"syncing"}]')).toEqual({
      cp: 'synced',
      'remote-1': 'syncing',
    });
  });
  it.each(['{}', '[1]', '[{"id":1}]', 'not json', `[${'{"id":"a","syncStatus":"b"},'.repeat(60_000)}{"id":"a","syncStatus":"b"}]`])('refuses %#', (body) => {
    expect(() => parseClusterz(body)).toThrow();
  });
});
