import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import type { KubeconfigView } from '../cluster/kubeconfig-view.js';
import type { ClusterFacts } from '../prereq/facts.js';
import type { KeptFacts } from '../prereq/facts-cache.js';

/** Format marker of the facts file; another one (an older or newer meshd) is ignored, then rewritten. */
export const FACTS_FILE_FORMAT = 'meshd-cluster-facts/v1';

/**
 * The largest facts file read or written. An entry is ~300 bytes plus ~20 per Node pod CIDR, so
 * 4 MiB holds a thousand clusters of a hundred Nodes each; a larger file is ignored unread (and a
 * larger content not written): its clusters are read whole, as without the file.
 */
export const MAX_FACTS_FILE_BYTES = 4 * 1024 * 1024;

/** One cluster's kept facts in the file: its API server (shown to a reader of the file) and when they were read. */
export interface StoredFacts extends KeptFacts {
  server: string;
}

/** Why a facts file is not used; `warn` when something damaged or changed it, `debug` for another meshd's format. */
export interface FactsFileProblem {
  problem: string;
  severity: 'debug' | 'warn';
}

const cidrs = z.array(z.string().max(64)).max(100_000).optional();
const factsSchema = z.strictObject({
  gitVersion: z.string().max(256),
  major: z.string().max(64),
  minor: z.string().max(64),
  podCIDRs: cidrs,
  serviceCIDRs: cidrs,
  identity: z.string().max(256).optional(),
});
const entriesSchema = z.record(z.string().regex(/^[0-9a-f]{64}$/), z.strictObject({ server: z.string().max(4096), readAt: z.number(), facts: factsSchema }));

/** The key the facts file is authenticated and its entries are named with: derived from the state directory's 32-byte key, never that key itself. */
export function factsFileKey(stateKey: Buffer): Buffer {
  return createHmac('sha256', stateKey).update('meshd cluster facts file v1').digest();
}

/**
 * What a kubeconfig connects to and as whom: its current cluster (server, CA, TLS settings, proxy),
 * its user (token, certificates, basic auth, exec plugin, impersonation) and the content of the
 * files these name (`files`: path → text, as read now). Two kubeconfigs with the same text here reach
 * the same API server with the same identity. Pure; the text holds credentials: only ever hashed.
 */
export function connectionIdentity(view: Pick<KubeconfigView, 'cluster' | 'user' | 'rawCluster'>, files: Readonly<Record<string, string>>): string {
  return JSON.stringify([view.cluster, view.rawCluster, view.user, Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

/** The name of a connection's entry: HMAC-SHA256 of its identity under the file's key (hex), so the file reveals no credential's hash. */
export function factsEntryName(fileKey: Buffer, identity: string): string {
  return createHmac('sha256', fileKey).update(identity).digest('hex');
}

function macOf(fileKey: Buffer, entriesJson: string): string {
  return createHmac('sha256', fileKey).update(`${FACTS_FILE_FORMAT}\n${entriesJson}`).digest('hex');
}

/** The facts file's text for `entries` (entry name → stored facts), authenticated with `fileKey`. Pure. */
export function encodeFactsFile(fileKey: Buffer, entries: ReadonlyMap<string, StoredFacts>): string {
  const json = JSON.stringify(Object.fromEntries(entries));
  return `{"format":${JSON.stringify(FACTS_FILE_FORMAT)},"mac":"${macOf(fileKey, json)}","entries":${json}}\n`;
}

function sameMac(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** The envelope's fields when `text` is a facts file of this format; a problem otherwise. */
function envelopeOf(text: string): { mac: string; entries: unknown } | FactsFileProblem {
  if (text.length > MAX_FACTS_FILE_BYTES) return { problem: `larger than ${MAX_FACTS_FILE_BYTES} bytes`, severity: 'warn' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { problem: text.length === 0 ? 'empty' : 'not JSON: truncated or overwritten', severity: 'warn' };
  }
  const envelope = z.looseObject({ format: z.string(), mac: z.string(), entries: z.unknown() }).safeParse(parsed);
  if (!envelope.success) return { problem: 'not a facts file', severity: 'warn' };
  const { format, mac, entries } = envelope.data;
  if (format !== FACTS_FILE_FORMAT) return { problem: `another meshd's format (${format.slice(0, 40)})`, severity: 'debug' };
  return { mac, entries };
}

/** Restores what JSON drops: a fact read as "cannot be read" (undefined) is stored as an absent key. */
function factsOf(stored: z.infer<typeof factsSchema>): ClusterFacts {
  return { ...stored, podCIDRs: stored.podCIDRs, serviceCIDRs: stored.serviceCIDRs };
}

/**
 * The entries of a facts file's text, or why it is not used: too large, not JSON, another format, a
 * MAC that does not match (edited, damaged, or written under another state directory's key), or an
 * entry of the wrong shape. All or nothing: never some entries of a file that fails a check. Pure;
 * never throws.
 */
export function decodeFactsFile(fileKey: Buffer, text: string): Map<string, StoredFacts> | FactsFileProblem {
  const envelope = envelopeOf(text);
  if ('problem' in envelope) return envelope;
  if (!sameMac(envelope.mac, macOf(fileKey, JSON.stringify(envelope.entries)))) {
    return { problem: 'its MAC does not match: edited, damaged, or written with another state directory', severity: 'warn' };
  }
  const entries = entriesSchema.safeParse(envelope.entries);
  if (!entries.success) return { problem: 'an entry is not cluster facts', severity: 'warn' };
  return new Map(Object.entries(entries.data).map(([name, e]) => [name, { server: e.server, readAt: e.readAt, facts: factsOf(e.facts) }]));
}
