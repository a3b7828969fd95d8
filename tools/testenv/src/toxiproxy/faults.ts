import type { ToxicSpec, ToxiproxyClient, ToxicStream } from './client.js';

/** Options of LinkFaults.flap. */
export interface FlapOptions {
  /** How many times the link goes down (and comes back). */
  times: number;
  /** How long it stays down each time (ms); default 300. */
  downMs?: number;
  /** How long it stays up between two cuts (ms); default 300. */
  upMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * Faults on the link between meshd and one cluster's API server: the Toxiproxy proxy in front of it
 * (`testenv up --proxy`). Each fault stays until `heal()` (or until its own helper undoes it);
 * faults of one kind replace each other. The Toxiproxy server owns the state; this object only names it.
 *
 * - `blackhole()`: connections are accepted and never answered, and established ones go silent,
 *   with no FIN and no RST (Toxiproxy's `timeout` toxic with timeout 0, both directions: every byte
 *   is dropped). What a dead route, a dropped NAT entry or a hung API server looks like to a client.
 *   Bytes dropped on a TLS connection leave it unusable after `heal()`: its next record fails.
 * - `cut()`: the proxy is disabled: every connection is closed and new ones are refused.
 * - `resetPeer()`: every connection is reset (TCP RST) as soon as data flows.
 * - `latency(ms)`: every chunk from the API server is delayed by `ms`.
 * - `bandwidth(kbps)`: both directions limited to `kbps` KB/s.
 * - `flap()`: `cut()` and back, `times` times.
 */
export class LinkFaults {
  constructor(
    private readonly client: ToxiproxyClient,
    readonly proxyName: string,
  ) {}

  /** Delays every chunk the API server sends by `ms` (± `jitterMs`). */
  async latency(ms: number, jitterMs = 0): Promise<void> {
    await this.toxic('latency', 'downstream', { type: 'latency', attributes: { latency: ms, jitter: jitterMs } });
  }

  /** Accepts connections and never answers; established connections go silent (no FIN, no RST). */
  async blackhole(): Promise<void> {
    await this.toxic('blackhole-up', 'upstream', { type: 'timeout', attributes: { timeout: 0 } });
    await this.toxic('blackhole-down', 'downstream', { type: 'timeout', attributes: { timeout: 0 } });
  }

  /** Resets every connection (RST) once data flows on it, `afterMs` after the first byte. */
  async resetPeer(afterMs = 0): Promise<void> {
    await this.toxic('reset', 'upstream', { type: 'reset_peer', attributes: { timeout: afterMs } });
  }

  /** Limits both directions to `kbps` KB/s. */
  async bandwidth(kbps: number): Promise<void> {
    await this.toxic('bandwidth-up', 'upstream', { type: 'bandwidth', attributes: { rate: kbps } });
    await this.toxic('bandwidth-down', 'downstream', { type: 'bandwidth', attributes: { rate: kbps } });
  }

  /** Closes every connection and refuses new ones until `restore()` or `heal()`. */
  async cut(): Promise<void> {
    await this.client.setEnabled(this.proxyName, false);
  }

  /** Listens again after `cut()`. */
  async restore(): Promise<void> {
    await this.client.setEnabled(this.proxyName, true);
  }

  /** Cuts the link and restores it `times` times; the link is up when this resolves. */
  async flap(options: FlapOptions): Promise<void> {
    for (let i = 0; i < options.times; i++) {
      await this.cut();
      await sleep(options.downMs ?? 300);
      await this.restore();
      await sleep(options.upMs ?? 300);
    }
  }

  /** Removes every toxic and enables the link. Connections that lost bytes stay as they are. */
  async heal(): Promise<void> {
    const proxy = await this.client.proxy(this.proxyName);
    await Promise.all(proxy.toxics.map((t) => this.client.removeToxic(this.proxyName, t.name)));
    if (!proxy.enabled) await this.restore();
  }

  /** Names of the toxics now on the link. */
  async active(): Promise<string[]> {
    return (await this.client.proxy(this.proxyName)).toxics.map((t) => t.name);
  }

  private async toxic(name: string, stream: ToxicStream, spec: ToxicSpec): Promise<void> {
    const present = (await this.client.proxy(this.proxyName)).toxics.some((t) => t.name === name);
    if (present) await this.client.removeToxic(this.proxyName, name);
    await this.client.addToxic(this.proxyName, { name, stream, ...spec });
  }
}
