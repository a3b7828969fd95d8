import { detectHelm, type HelmVersion } from './detect.js';
import type { RunHelmOptions } from './exec.js';

/** How long an answer is reused: one pass, not the life of a daemon (a helm upgrade is seen next pass). */
const REUSE_MS = 60_000;

const detected = new Map<string, { at: number; version: Promise<HelmVersion> }>();

/**
 * detectHelm, with the answer shared for a minute per binary and environment: one `meshd apply`
 * asks for the version for the prerequisite check and again for the backend's argument syntax, and
 * each `helm version` costs 35–130 ms. A failure is forgotten at once, so the next call runs helm again.
 */
export function detectHelmShared(binary: string, signal?: AbortSignal, options: Omit<RunHelmOptions, 'signal'> = {}): Promise<HelmVersion> {
  const key = JSON.stringify([binary, options]);
  const now = Date.now();
  const known = detected.get(key);
  if (known !== undefined && now - known.at < REUSE_MS) return known.version;
  const version = detectHelm(binary, signal, options);
  const entry = { at: now, version };
  detected.set(key, entry);
  version.catch(() => {
    if (detected.get(key) === entry) detected.delete(key);
  });
  return version;
}
