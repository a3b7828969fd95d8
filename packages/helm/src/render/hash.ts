import { canonicalJson } from '@meshd/core/plan';
import { createHash } from 'node:crypto';

export { canonicalJson };

/** Lowercase hex SHA-256 of `data`. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 (hex) of the canonical JSON of chart values: the identity of a values set. */
export function valuesHash(values: unknown): string {
  return sha256Hex(canonicalJson(values));
}
