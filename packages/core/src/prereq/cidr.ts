/** A parsed CIDR: address family, the network's first address as a number, and prefix length. */
export interface CidrRange {
  family: 4 | 6;
  /** First address of the range (host bits cleared). */
  network: bigint;
  prefix: number;
  /** The text it came from, for messages. */
  text: string;
}

function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function hextets(group: string): bigint[] | undefined {
  if (group === '') return [];
  const out: bigint[] = [];
  for (const h of group.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(h)) return undefined;
    out.push(BigInt(`0x${h}`));
  }
  return out;
}

/** Splits off an embedded IPv4 tail (`::ffff:10.0.0.1`) into two hextets. */
function withIPv4Tail(text: string): string | undefined {
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (!tail.includes('.')) return text;
  const v4 = parseIPv4(tail);
  if (v4 === undefined) return undefined;
  return `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
}

function parseIPv6(text: string): bigint | undefined {
  const expanded = withIPv4Tail(text);
  if (expanded === undefined) return undefined;
  const halves = expanded.split('::');
  if (halves.length > 2) return undefined;
  const head = hextets(halves[0] ?? '');
  const tail = halves.length === 2 ? hextets(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<bigint>(missing).fill(0n), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/**
 * Parses `10.96.0.0/12` or `fd00:10:96::/112` (pure). Host bits are cleared (`10.1.2.3/8` is the
 * range 10.0.0.0/8), as routing treats it. Undefined for malformed text: no prefix, prefix out of
 * range, bad address, zone indexes.
 */
export function parseCidrRange(text: string): CidrRange | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  if (slash < 0) return undefined;
  const address = trimmed.slice(0, slash);
  const prefixText = trimmed.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const family = address.includes(':') ? 6 : 4;
  const bits = family === 4 ? 32 : 128;
  const value = family === 4 ? parseIPv4(address) : parseIPv6(address);
  if (value === undefined || prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  return { family, network: (value >> hostBits) << hostBits, prefix, text: trimmed };
}

/**
 * True when two ranges share at least one address (pure). Ranges of different families never
 * overlap. Two CIDRs overlap exactly when the shorter prefix contains the other's network address.
 */
export function cidrRangesOverlap(a: CidrRange, b: CidrRange): boolean {
  if (a.family !== b.family) return false;
  const bits = a.family === 4 ? 32 : 128;
  const shorter = Math.min(a.prefix, b.prefix);
  const shift = BigInt(bits - shorter);
  return a.network >> shift === b.network >> shift;
}
