import * as z from 'zod';
import { describeValue } from '../descriptor/describe-value.js';
import { isDnsLabel, isIpAddress, parseHostPort } from '../descriptor/network.js';
import { parseDuration } from './duration.js';

// Field schemas of meshd.yaml, for core's keys and the keys plugins own (a plugin's config keys built
// from these read like core's). Messages are predicates ("must be ..."): the field's name is put in
// front when reported (file:line:col field must be ...).

/** A string that `ok` accepts; otherwise "must be EXPECTED, got VALUE". */
export function checkedString(ok: (s: string) => boolean, expected: string): z.ZodString {
  return z.string().refine(ok, { error: (iss) => `must be ${expected}, got ${describeValue(iss.input)}` });
}

/** A DNS-1123 label: a namespace or cluster name. */
export const dnsLabel: z.ZodString = checkedString(isDnsLabel, "a DNS-1123 label (lowercase letters, digits and '-')");

/** An IP address (a pod IP or a stable load-balancer IP). */
export const ipAddress: z.ZodString = checkedString(isIpAddress, 'an IP address (a pod IP or a stable load-balancer IP)');

/** HOST:PORT, e.g. 127.0.0.1:9580. */
export const listenAddress: z.ZodString = checkedString((s) => parseHostPort(s)?.port !== undefined, 'HOST:PORT, e.g. "127.0.0.1:9580"');

/** A duration written as "10m", "90s" or "1h30m"; comes out in milliseconds. */
export const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms !== undefined) return ms;
  ctx.addIssue({ code: 'custom', message: `must be a duration such as "10m", "90s" or "1h30m", got ${describeValue(text)}` });
  return z.NEVER;
});
