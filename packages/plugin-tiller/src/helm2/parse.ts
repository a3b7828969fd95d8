import { MeshdError } from '@meshd/core';

/** Release statuses Helm 2 reports (`helm history`). */
export const TILLER_STATUSES = [
  'UNKNOWN',
  'DEPLOYED',
  'DELETED',
  'SUPERSEDED',
  'FAILED',
  'DELETING',
  'PENDING_INSTALL',
  'PENDING_UPGRADE',
  'PENDING_ROLLBACK',
] as const;

/** One of TILLER_STATUSES. */
export type TillerStatus = (typeof TILLER_STATUSES)[number];

/** One revision of a release, as `helm history --output json` lists it. */
export interface ReleaseRevision {
  revision: number;
  status: TillerStatus;
  chart: string;
  description: string;
  /** When Tiller last wrote the revision (epoch ms, second precision); undefined when helm's output has no readable time. */
  updated?: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Pure: a revision's `updated` as helm 2 prints it (Go's time.ANSIC, `Wed Dec  2 21:46:32 2026`) in
 * UTC, the zone the Tiller session runs helm in (session.ts sets TZ=UTC); undefined for anything else.
 */
export function parseUpdated(text: unknown): number | undefined {
  const m = typeof text === 'string' ? /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(text.trim()) : null;
  const month = m ? MONTHS.indexOf(m[1]!) : -1;
  if (!m || month < 0) return undefined;
  return Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
}

function asStatus(value: unknown): TillerStatus {
  return (TILLER_STATUSES as readonly unknown[]).includes(value) ? (value as TillerStatus) : 'UNKNOWN';
}

function badOutput(what: string, text: string): MeshdError {
  return new MeshdError('MESHD_ERR_TILLER', `cannot read ${what} in helm's output ${JSON.stringify(text.trim().slice(0, 200))}`);
}

/** Parses `helm history --output json`; revisions oldest first. Pure. Throws MESHD_ERR_TILLER on other output. */
export function parseHistory(stdout: string): ReleaseRevision[] {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch {
    throw badOutput('a release history', stdout);
  }
  if (!Array.isArray(raw)) throw badOutput('a release history', stdout);
  const revisions = raw.map((entry: unknown) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    if (typeof e.revision !== 'number') throw badOutput('a release history', stdout);
    const text = (v: unknown): string => (typeof v === 'string' ? v : '');
    const revision: ReleaseRevision = { revision: e.revision, status: asStatus(e.status), chart: text(e.chart), description: text(e.description) };
    const updated = parseUpdated(e.updated);
    if (updated !== undefined) revision.updated = updated;
    return revision;
  });
  return revisions.sort((a, b) => a.revision - b.revision);
}

/** Parses `helm get values --output json` (`null` or nothing when no values were given). Pure. */
export function parseValues(stdout: string): Record<string, unknown> {
  const text = stdout.trim();
  if (text === '' || text === 'null') return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw badOutput('release values', stdout);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw badOutput('release values', stdout);
  return raw as Record<string, unknown>;
}

/** Key of the value meshd adds to every release it installs: `{ meshd: { hash } }`. */
export const MESHD_VALUES_KEY = 'meshd';

/** The hash meshd recorded in a revision's values; undefined when meshd did not install that revision. */
export function recordedHash(values: Record<string, unknown>): string | undefined {
  const mark = values[MESHD_VALUES_KEY];
  const hash = mark !== null && typeof mark === 'object' ? (mark as Record<string, unknown>).hash : undefined;
  return typeof hash === 'string' && hash !== '' ? hash : undefined;
}

/** The values to give Tiller: the chart values plus meshd's mark with the desired hash. Pure. */
export function markedValues(values: Record<string, unknown>, hash: string): Record<string, unknown> {
  return { ...values, [MESHD_VALUES_KEY]: { hash } };
}

/** True when helm's stderr says the release does not exist. */
export function isReleaseNotFound(stderr: string): boolean {
  return /release: "[^"]*" not found/.test(stderr);
}

/** True when helm's stderr says no (ready) Tiller pod was found in the Tiller namespace. */
export function isTillerMissing(stderr: string): boolean {
  return /could not find (a ready )?tiller/i.test(stderr);
}
