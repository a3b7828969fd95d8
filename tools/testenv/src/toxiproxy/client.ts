/** Which way a toxic acts: `downstream` is server → client (meshd receives), `upstream` client → server. */
export type ToxicStream = 'upstream' | 'downstream';

/** Toxic types of Toxiproxy v2 this environment uses, with their attributes. */
export type ToxicSpec =
  /** Delays every chunk by `latency` ms (± `jitter`). */
  | { type: 'latency'; attributes: { latency: number; jitter?: number } }
  /** Drops every byte; with timeout 0 the connection stays open forever (a black hole), else it closes after `timeout` ms. */
  | { type: 'timeout'; attributes: { timeout: number } }
  /** Resets the connection (TCP RST) at once, or `timeout` ms after data starts to flow. */
  | { type: 'reset_peer'; attributes: { timeout: number } }
  /** Limits the rate to `rate` KB/s. */
  | { type: 'bandwidth'; attributes: { rate: number } };

/** A toxic as Toxiproxy reports it. */
export interface Toxic {
  name: string;
  type: string;
  stream: ToxicStream;
  toxicity: number;
  attributes: Record<string, number>;
}

/** A proxy as Toxiproxy reports it. */
export interface ToxiproxyProxy {
  name: string;
  /** `127.0.0.1:PORT` it listens on. */
  listen: string;
  /** `HOST:PORT` it forwards to. */
  upstream: string;
  enabled: boolean;
  toxics: Toxic[];
}

/**
 * A small typed client of Toxiproxy's HTTP API (v2), with fetch. Stateless: the Toxiproxy server
 * owns the proxies and toxics; every method is one request and throws on a non-2xx answer.
 */
export class ToxiproxyClient {
  /** `url` is the API's base, e.g. http://127.0.0.1:8474. */
  constructor(readonly url: string) {}

  /** The server's version string. */
  async version(): Promise<string> {
    return (await this.request('GET', '/version')).text();
  }

  /** Creates a proxy listening on `listen` that forwards to `upstream`. */
  async createProxy(proxy: { name: string; listen: string; upstream: string }): Promise<ToxiproxyProxy> {
    return (await this.request('POST', '/proxies', { ...proxy, enabled: true })).json() as Promise<ToxiproxyProxy>;
  }

  /** One proxy with its toxics. */
  async proxy(name: string): Promise<ToxiproxyProxy> {
    return (await this.request('GET', `/proxies/${encodeURIComponent(name)}`)).json() as Promise<ToxiproxyProxy>;
  }

  /**
   * Enables or disables a proxy. Disabling closes its listener and every connection through it
   * (clients see their connections closed, then "connection refused"); enabling listens again.
   */
  async setEnabled(name: string, enabled: boolean): Promise<void> {
    await this.request('POST', `/proxies/${encodeURIComponent(name)}`, { enabled });
  }

  /** Adds a toxic to a proxy; it acts on existing connections and new ones until removed. */
  async addToxic(proxy: string, toxic: ToxicSpec & { name: string; stream: ToxicStream; toxicity?: number }): Promise<Toxic> {
    const body = { toxicity: 1, ...toxic };
    return (await this.request('POST', `/proxies/${encodeURIComponent(proxy)}/toxics`, body)).json() as Promise<Toxic>;
  }

  /** Removes one toxic. */
  async removeToxic(proxy: string, toxic: string): Promise<void> {
    await this.request('DELETE', `/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(toxic)}`);
  }

  /** Enables every proxy and removes every toxic. */
  async reset(): Promise<void> {
    await this.request('POST', '/reset');
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`toxiproxy ${method} ${path}: HTTP ${res.status} ${(await res.text()).trim()}`);
    return res;
  }
}
