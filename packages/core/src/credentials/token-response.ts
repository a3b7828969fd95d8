import { X509Certificate } from 'node:crypto';
import { MeshdError } from '../errors.js';

/** Longest token accepted from a cluster (real service-account JWTs are 1–2 KiB). */
export const MAX_TOKEN_BYTES = 16 * 1024;
/** Largest CA bundle accepted from a cluster. */
export const MAX_CA_BYTES = 256 * 1024;

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function bad(what: string): MeshdError {
  return new MeshdError('MESHD_ERR_CREDENTIAL', what);
}

/** Pure: a token read from a cluster, checked (a JWT, at most MAX_TOKEN_BYTES); throws MESHD_ERR_CREDENTIAL otherwise. */
export function checkToken(cluster: string, token: unknown): string {
  if (typeof token !== 'string' || token.length === 0) throw bad(`${cluster}: the API server returned no token`);
  if (token.length > MAX_TOKEN_BYTES) throw bad(`${cluster}: the API server returned a token of ${token.length} bytes (more than ${MAX_TOKEN_BYTES})`);
  if (!JWT.test(token)) throw bad(`${cluster}: the API server returned a token that is not a JWT`);
  return token;
}

/**
 * Pure: checks a TokenRequest answer (untrusted: a cluster wrote it): a JWT token and an expiry in
 * the future, no later than asked for (plus a minute of clock skew). Returns the token and expiry.
 */
export function checkTokenRequestStatus(cluster: string, status: unknown, now: Date, lifetimeMs: number): { token: string; expiresAt: Date } {
  if (status === null || typeof status !== 'object') throw bad(`${cluster}: the TokenRequest answer has no status`);
  const s = status as { token?: unknown; expirationTimestamp?: unknown };
  const token = checkToken(cluster, s.token);
  const raw = s.expirationTimestamp;
  const expiresAt = raw instanceof Date ? raw : typeof raw === 'string' ? new Date(raw) : undefined;
  if (expiresAt === undefined || Number.isNaN(expiresAt.getTime())) throw bad(`${cluster}: the TokenRequest answer has no valid expirationTimestamp`);
  if (expiresAt.getTime() <= now.getTime()) throw bad(`${cluster}: the TokenRequest answer expires in the past (${expiresAt.toISOString()})`);
  if (expiresAt.getTime() > now.getTime() + lifetimeMs + 60_000)
    throw bad(`${cluster}: the TokenRequest answer expires later than asked (${expiresAt.toISOString()})`);
  return { token, expiresAt };
}

/** Pure: a PEM CA bundle, checked: at most MAX_CA_BYTES, every block a parseable X.509 certificate. */
export function checkCaPem(cluster: string, pem: unknown, source: string): string {
  if (typeof pem !== 'string' || pem.trim() === '') throw bad(`${cluster}: no CA certificate in ${source}`);
  if (pem.length > MAX_CA_BYTES) throw bad(`${cluster}: the CA bundle in ${source} is larger than ${MAX_CA_BYTES} bytes`);
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw bad(`${cluster}: the CA bundle in ${source} holds no PEM certificate`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      throw bad(`${cluster}: the CA bundle in ${source} holds a certificate that does not parse`);
    }
  }
  return `${blocks.join('\n')}\n`;
}
