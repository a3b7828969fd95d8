import type { DirectorySnapshot } from '@meshd/core/descriptor';
import { kubeconfigValue } from '@meshd/core/cluster';
import { TextMemo } from '@meshd/core/util';

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
    return Buffer.from(data, 'base64')
      .toString('utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length >= 16 && !l.startsWith('-----'));
  } catch {
    return [];
  }
}

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Query parameters whose value is a credential (`?access_token=`, `&sig=`…). */
const SECRET_QUERY_NAME =
  /^(?:access[_-]?token|id[_-]?token|refresh[_-]?token|token|bearer|password|passwd|pwd|secret|client[_-]?secret|api[_-]?key|apikey|key|sig|signature|auth|authorization|credentials?|x-amz-signature|x-amz-security-token)$/i;

/**
 * The user info of a URL such as `https://user:secret@host` (raw, percent-decoded and as the URL
 * parser re-encodes it), which /status and error messages would show as the server.
 */
function urlUserInfo(value: string): string[] {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@]*)@/i.exec(value);
  if (!m?.[1]) return [];
  const parts = [m[1], ...m[1].split(':')];
  try {
    const url = new URL(value);
    parts.push(`${url.username}:${url.password}`, url.password);
  } catch {
    // not a URL the client would use either
  }
  return [...parts, ...parts.map(decoded)];
}

/** The credential values in a URL's query (`?access_token=X`): the value and `name=value`, raw and decoded. */
function urlQuerySecrets(value: string): string[] {
  const query = /\?([^#]*)/.exec(value)?.[1];
  if (!query) return [];
  return query.split('&').flatMap((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0 || !SECRET_QUERY_NAME.test(decoded(pair.slice(0, eq)))) return [];
    const v = pair.slice(eq + 1);
    return [pair, v, decoded(v)];
  });
}

/** Every credential a URL carries: user info and secret query values. */
function urlSecrets(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  const url = value.trim();
  return [...urlUserInfo(url), ...urlQuerySecrets(url)];
}

// Greedy up to the last `@` before the path: a decoded password may hold an `@` of its own.
const USERINFO_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'<>]+@/gi;
const QUERY_SECRET_IN_TEXT = /([?&])([^\s&=#"'<>]+)=([^\s&#"'<>]+)/g;

/**
 * Scrubs what looks like a credential in any URL of a text, known or not: the user info
 * (`https://[redacted]@host`) and the values of secret query parameters (`?access_token=[redacted]`).
 * Pure.
 */
export function scrubUrlCredentials(text: string): string {
  if (!text.includes('://') && !text.includes('=')) return text;
  return text
    .replace(USERINFO_IN_TEXT, (_all, scheme: string) => `${scheme}${REDACTED}@`)
    .replace(QUERY_SECRET_IN_TEXT, (all, sep: string, name: string) => (SECRET_QUERY_NAME.test(decoded(name)) ? `${sep}${name}=${REDACTED}` : all));
}

/**
 * Every credential a kubeconfig holds (user tokens, passwords, client keys and their decoded lines,
 * auth-provider tokens and secrets, exec env values, user info and secret query values of a server
 * or proxy URL), so they
 * can be scrubbed from any output. Pure; unparseable text yields nothing (it is then not a usable
 * kubeconfig either).
 */
export function credentialsOf(kubeconfigText: string): string[] {
  let doc: unknown;
  try {
    doc = kubeconfigValue(kubeconfigText);
  } catch {
    return [];
  }
  const users = Array.isArray(record(doc).users) ? (record(doc).users as unknown[]) : [];
  const found: string[] = [];
  const clusters = Array.isArray(record(doc).clusters) ? (record(doc).clusters as unknown[]) : [];
  for (const entry of clusters) {
    const cluster = record(record(entry).cluster);
    found.push(...urlSecrets(cluster.server), ...urlSecrets(cluster['proxy-url']));
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

/** Every form of a credential scrub() looks for is at least this long; they are indexed by this many first characters. */
const PREFIX_LENGTH = MIN_SECRET_LENGTH;

/** How many kubeconfig texts a Redactor remembers having learned: more than any directory holds. */
const LEARNED_TEXTS = 4096;

/**
 * Scrubs known credentials from text: the last line of defence behind "reports never carry
 * credentials" for /status, /metrics, every log line and everything the CLI prints. The daemon updates the set from each
 * directory snapshot; the set only grows, so a credential rotated away stays scrubbed.
 *
 * Each credential (raw and JSON-escaped) is indexed by its first characters, so scrubbing a text
 * costs one look-up per character of the text, not one search of the text per known credential
 * (a daemon at 500 clusters knows ~10 000 credential fragments and scrubs every log line and
 * every /status and /metrics body), and adding a kubeconfig costs its own credentials only.
 */
export class Redactor {
  private readonly known = new Set<string>();
  /** Every form to scrub, by its first PREFIX_LENGTH characters, longest first. */
  private readonly byPrefix = new Map<string, string[]>();
  /**
   * The kubeconfig texts whose credentials were added (by SHA-256, the most recent LEARNED_TEXTS):
   * the daemon adds every kubeconfig of the directory at each re-read, and a text it has seen adds
   * nothing new (credentials only accumulate), so it is not parsed again (a 1 000-cluster directory:
   * 1 000 YAML parses per file event). A text forgotten past the bound is only parsed once more.
   */
  private readonly learnedKubeconfigs = new TextMemo<true>(LEARNED_TEXTS);

  /** Adds credentials to scrub. */
  add(values: Iterable<string>): void {
    for (const value of values) {
      if (value.length < MIN_SECRET_LENGTH || this.known.has(value)) continue;
      this.known.add(value);
      this.index(value);
      const escaped = JSON.stringify(value).slice(1, -1);
      if (escaped !== value) this.index(escaped);
    }
  }

  /** Adds every credential of a kubeconfig (once per distinct text). */
  addKubeconfig(text: string): void {
    this.learnedKubeconfigs.get('kubeconfig', text, () => {
      this.add(credentialsOf(text));
      return true;
    });
  }

  /**
   * The text with every known credential (raw or JSON-escaped) replaced by [redacted], and any
   * URL's user info or secret query values too (scrubUrlCredentials), known or not. Where
   * occurrences of credentials overlap, the whole stretch they cover is replaced once.
   */
  scrub(text: string): string {
    return scrubUrlCredentials(this.byPrefix.size === 0 ? text : this.replaceKnown(text));
  }

  private index(form: string): void {
    const key = form.slice(0, PREFIX_LENGTH);
    const forms = this.byPrefix.get(key);
    if (forms === undefined) this.byPrefix.set(key, [form]);
    else if (!forms.includes(form)) forms.splice(insertionPoint(forms, form.length), 0, form);
  }

  /** `text` with each stretch covered by known credentials replaced by one [redacted]. */
  private replaceKnown(text: string): string {
    let out = '';
    let copied = 0;
    let run: { start: number; end: number } | undefined;
    for (let at = 0; at + PREFIX_LENGTH <= text.length; at += 1) {
      const end = this.longestMatchEnd(text, at);
      if (end === undefined) continue;
      if (run !== undefined && at < run.end) run.end = Math.max(run.end, end);
      else {
        if (run !== undefined) [out, copied] = [out + text.slice(copied, run.start) + REDACTED, run.end];
        run = { start: at, end };
      }
    }
    if (run === undefined) return text;
    return out + text.slice(copied, run.start) + REDACTED + text.slice(run.end);
  }

  /** Where the longest known credential that starts at `at` ends, if one does. */
  private longestMatchEnd(text: string, at: number): number | undefined {
    const forms = this.byPrefix.get(text.slice(at, at + PREFIX_LENGTH));
    const form = forms?.find((f) => text.startsWith(f, at));
    return form === undefined ? undefined : at + form.length;
  }
}

/** Where a form of `length` goes in a list kept longest first (after the forms as long as it). */
function insertionPoint(forms: readonly string[], length: number): number {
  const at = forms.findIndex((f) => f.length < length);
  return at === -1 ? forms.length : at;
}

/** Adds the credentials of every file of a directory snapshot that reads as a kubeconfig. */
export function addSnapshotCredentials(redactor: Redactor, snapshot: DirectorySnapshot): void {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  for (const file of Object.values(snapshot.files)) {
    const text = decoder.decode(file.bytes);
    if (text.includes('users')) redactor.addKubeconfig(text);
  }
}
