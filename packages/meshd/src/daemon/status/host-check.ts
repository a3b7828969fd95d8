// The health server's DNS-rebinding guard: a page on evil.example whose name later resolves to
// 127.0.0.1 reaches the server from the operator's browser with `Host: evil.example:9580`; a request
// is served only when its Host names this server.

/** Which Host headers the health server answers to. */
export interface HostPolicy {
  /** The address it is bound to (a configured listen host: an IP address or a name). */
  boundHost: string;
  /** The port it listens on (the real one once bound, when port 0 picked it). */
  port: number;
  /** Names the operator allowed besides these (`allowedHosts`, e.g. a reverse proxy's), any port. */
  allowedHosts: readonly string[];
}

/** A Host header split into its name (lower case, IPv6 without brackets) and port. */
export interface ParsedHost {
  name: string;
  /** The port it names; 80 when it names none (http's default). */
  port: number;
  /** The name is an IPv6 address (it was bracketed). */
  ipv6: boolean;
}

/** Longest Host header looked at (a DNS name is at most 253 characters, plus a port). */
export const MAX_HOST_LENGTH = 300;

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The four octets of a dotted-quad IPv4 address (no shorthand, no hex), or undefined. Pure. */
function ipv4Octets(name: string): number[] | undefined {
  const m = IPV4.exec(name);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  return octets.every((o, i) => o <= 255 && !(m[i + 1]!.length > 1 && m[i + 1]!.startsWith('0'))) ? octets : undefined;
}

/** Splits a Host header; undefined when it is missing, too long or not `name[:port]` / `[v6][:port]`. Pure. */
export function parseHostHeader(header: string | undefined): ParsedHost | undefined {
  if (header === undefined || header.length === 0 || header.length > MAX_HOST_LENGTH) return undefined;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(header);
  if (!m) return undefined;
  const port = m[3] === undefined ? 80 : Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { name: (m[1] ?? m[2]!).toLowerCase(), port, ipv6: m[1] !== undefined };
}

/** localhost, 127.0.0.0/8 in dotted-quad form, or ::1 (bracket-less). Pure. */
export function isLoopbackName(name: string): boolean {
  const lower = name.toLowerCase();
  if (lower === 'localhost' || lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
  return ipv4Octets(lower)?.[0] === 127;
}

/** An IP address literal (dotted-quad IPv4, or an IPv6 address as a Host header brackets it). */
function isIpLiteral(host: ParsedHost): boolean {
  return host.ipv6 || ipv4Octets(host.name) !== undefined;
}

/**
 * Whether a request whose Host header is `header` may be served (pure):
 * - a loopback name or address (localhost, 127.x.y.z, [::1]), or the name it was told to listen
 *   on, with the port the server listens on;
 * - when the server is bound to a non-loopback address: any IP address literal with that port
 *   (a literal cannot be rebound: the browser's origin is the address itself);
 * - a name of `allowedHosts`, with any port (the operator's own name, e.g. behind a reverse proxy).
 * A missing, malformed or over-long header is refused.
 */
export function hostAllowed(header: string | undefined, policy: HostPolicy): boolean {
  const host = parseHostHeader(header);
  if (host === undefined) return false;
  if (policy.allowedHosts.some((h) => h.toLowerCase() === host.name)) return true;
  if (host.port !== policy.port) return false;
  if (isLoopbackName(host.name) || host.name === policy.boundHost.toLowerCase()) return true;
  return !isLoopbackName(policy.boundHost) && isIpLiteral(host);
}

/** What a refused request is told: which Host names the server answers to (never the credentials of anything). */
export function refusalDetail(policy: HostPolicy): string {
  const extra = policy.allowedHosts.length > 0 ? `, or ${policy.allowedHosts.join(', ')} (allowedHosts)` : '';
  const literal = isLoopbackName(policy.boundHost) ? '' : ', or an IP address';
  return `this server answers to the Host localhost, 127.0.0.1 or [::1]${literal} with port ${policy.port}${extra}; set allowedHosts in meshd.yaml to add a name`;
}
