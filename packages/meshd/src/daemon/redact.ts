import type { DirectorySnapshot } from '@meshd/core';
import { parse } from 'yaml';

/** What replaces a credential in any output. */
export const REDACTED = '[redacted]';

/** Shortest string treated as a credential (shorter ones would redact ordinary words). */
const MIN_SECRET_LENGTH = 8;

const SECRET_USER_FIELDS = ['token', 'password', 'client-key-data'];
const SECRET_PROVIDER_FIELDS = ['id-token', 'refresh-token', 'access-token', 'client-secret'];

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function strings(values: unknown[]): string[] {
  return values.filter((v): v is string => typeof v === 'string');
}

/** The PEM body lines of a base64 `client-key-data`, each a credential fragment of its own. */
function decodedKeyLines(data: string): string[] {
  try {
    return Buffer.from(data, 'base64').toString('utf8').split('\n').map((l) => l.trim()).filter((l) => l.length >= 16 && !l.startsWith('-----'));
  } catch {
    return [];
  }
}

/** The user info of a URL such as `https://user:secret@host` (raw and percent-decoded), which /status would show as the server. */
function urlUserInfo(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@]*)@/i.exec(value.trim());
  if (!m?.[1]) return [];
  const parts = [m[1], ...m[1].split(':')];
  return [...parts, ...parts.map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  })];
}

/**
 * Every credential a kubeconfig holds (user tokens, passwords, client keys and their decoded lines,
 * auth-provider tokens and secrets, exec env values, user info in a server or proxy URL), so they
 * can be scrubbed from any output. Pure; unparseable text yields nothing (it is then not a usable
 * kubeconfig either).
 */
export function credentialsOf(kubeconfigText: string): string[] {
  let doc: unknown;
  try {
    doc = parse(kubeconfigText);
  } catch {
    return [];
  }
  const users = Array.isArray(record(doc).users) ? (record(doc).users as unknown[]) : [];
  const found: string[] = [];
  const clusters = Array.isArray(record(doc).clusters) ? (record(doc).clusters as unknown[]) : [];
  for (const entry of clusters) {
    const cluster = record(record(entry).cluster);
    found.push(...urlUserInfo(cluster.server), ...urlUserInfo(cluster['proxy-url']));
  }
  for (const entry of users) {
    const user = record(record(entry).user);
    found.push(...strings(SECRET_USER_FIELDS.map((f) => user[f])));
    const provider = record(record(user['auth-provider']).config);
    found.push(...strings(SECRET_PROVIDER_FIELDS.map((f) => provider[f])));
    const env = record(user.exec).env;
    if (Array.isArray(env)) found.push(...strings(env.map((e) => record(e).value)));
    if (typeof user['client-key-data'] === 'string') found.push(...decodedKeyLines(user['client-key-data']));
  }
  return found.filter((s) => s.length >= MIN_SECRET_LENGTH);
}

/**
 * Scrubs known credentials from text: the last line of defence behind "reports never carry
 * credentials" for /status, /metrics and every log line. The daemon updates the set from each
 * directory snapshot; the set only grows, so a credential rotated away stays scrubbed.
 */
export class Redactor {
  private secrets: string[] = [];

  /** Adds credentials to scrub. */
  add(values: Iterable<string>): void {
    const all = new Set([...this.secrets, ...[...values].filter((v) => v.length >= MIN_SECRET_LENGTH)]);
    // Longest first, so a secret containing another is replaced whole.
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  /** Adds every credential of a kubeconfig. */
  addKubeconfig(text: string): void {
    this.add(credentialsOf(text));
  }

  /** The text with every known credential (raw or JSON-escaped) replaced by [redacted]. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
      const escaped = JSON.stringify(secret).slice(1, -1);
      if (escaped !== secret && out.includes(escaped)) out = out.split(escaped).join(REDACTED);
    }
    return out;
  }
}

/** Adds the credentials of every file of a directory snapshot that reads as a kubeconfig. */
export function addSnapshotCredentials(redactor: Redactor, snapshot: DirectorySnapshot): void {
  for (const file of Object.values(snapshot.files)) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(file.bytes);
    if (text.includes('users')) redactor.addKubeconfig(text);
  }
}
