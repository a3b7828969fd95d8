import { isIPv4, isIPv6 } from 'node:net';

/** True for a literal IPv4 or IPv6 address (no zone, no brackets). */
export function isIpAddress(value: string): boolean {
  // Only text with two colons or more can be IPv6 (the shortest is `::`): Node's IPv6 check compiles
  // a large regular expression on its first use (milliseconds of a one-shot command's start-up), and
  // a descriptor's `host:port` values have one colon.
  return isIPv4(value) || (hasTwoColons(value) && !value.includes('%') && isIPv6(value));
}

function hasTwoColons(value: string): boolean {
  const first = value.indexOf(':');
  return first >= 0 && value.indexOf(':', first + 1) >= 0;
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOST_LABEL = /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$/;

/** True for a Kubernetes DNS-1123 label: lowercase letters, digits and '-', at most 63 characters. */
export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && LABEL.test(value);
}

/** True for a Kubernetes DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && value.split('.').every(isDnsLabel);
}

/**
 * True for a host name as DNS allows it (RFC 1123, any case). The last label may not be all
 * digits, so a mistyped IP such as `198.51.100.300` is not mistaken for a name.
 */
export function isHostName(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  const labels = value.split('.');
  const last = labels[labels.length - 1] ?? '';
  return labels.every((l) => l.length <= 63 && HOST_LABEL.test(l)) && !/^\d+$/.test(last);
}

/** A host with an optional port, as parsed from `host`, `host:port` or `[v6]:port`. */
export interface HostPort {
  host: string;
  port?: number;
}

/** Parses a port: decimal 1–65535, no sign or leading zeros; undefined when invalid. */
export function parsePort(value: string): number | undefined {
  if (!/^[1-9]\d{0,4}$/.test(value)) return undefined;
  const port = Number(value);
  return port <= 65535 ? port : undefined;
}

/**
 * Parses `host[:port]` where host is an IP, a host name, or `[IPv6]`; a bare IPv6 address is a host
 * without port. Returns undefined when the text is not one of those shapes or the port is invalid.
 */
export function parseHostPort(value: string): HostPort | undefined {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(value);
  if (bracketed) {
    const host = bracketed[1] ?? '';
    if (!isIPv6(host) || host.includes('%')) return undefined;
    return withPort(host, bracketed[2]);
  }
  if (isIpAddress(value)) return { host: value };
  const colon = value.lastIndexOf(':');
  const host = colon < 0 ? value : value.slice(0, colon);
  if (!isIPv4(host) && !isHostName(host)) return undefined;
  return withPort(host, colon < 0 ? undefined : value.slice(colon + 1));
}

function withPort(host: string, portText: string | undefined): HostPort | undefined {
  if (portText === undefined) return { host };
  const port = parsePort(portText);
  return port === undefined ? undefined : { host, port };
}

/** A parsed CIDR block. */
export interface Cidr {
  address: string;
  prefix: number;
  family: 4 | 6;
}

/** Parses `address/prefix` (IPv4 prefix 0–32, IPv6 0–128); undefined when invalid. */
export function parseCidr(value: string): Cidr | undefined {
  const slash = value.indexOf('/');
  if (slash < 0) return undefined;
  const address = value.slice(0, slash);
  const prefixText = value.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (isIPv4(address)) return prefix <= 32 ? { address, prefix, family: 4 } : undefined;
  if (isIPv6(address) && !address.includes('%')) return prefix <= 128 ? { address, prefix, family: 6 } : undefined;
  return undefined;
}
