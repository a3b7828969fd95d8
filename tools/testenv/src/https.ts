import { request } from 'node:https';

/** How to reach one API server directly (without a client library). */
export interface ApiEndpoint {
  server: string;
  token: string;
  /** CA bundle; when absent the serving certificate is not verified (only while it does not exist yet). */
  caPem?: string;
}

/** Status and body of a GET on the API server. Rejects on connection errors and after `timeoutMs`. */
export function apiGet(endpoint: ApiEndpoint, path: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, endpoint.server),
      {
        method: 'GET',
        headers: { authorization: `Bearer ${endpoint.token}` },
        ...(endpoint.caPem ? { ca: endpoint.caPem } : { rejectUnauthorized: false }),
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Options for `waitUntil`. */
export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Checked before each attempt: a reason to stop waiting early (e.g. the process died). */
  abortReason?: () => string | undefined;
}

/** Polls `check` until it returns true; rejects with `what` and the last error after the timeout. */
export async function waitUntil(what: string, check: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  for (;;) {
    const aborted = options.abortReason?.();
    if (aborted !== undefined) throw new Error(`${what}: ${aborted}`);
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}
