// The areas a CPU profile's time is split into by `bench/profile.ts --areas`: what each sample was
// doing, by its own frame first (GC, JSON, hashing have no caller of their own kind), then by the
// nearest caller that belongs to an area. Pure: no I/O.

/** A V8 profile node's call frame (the fields the areas read). */
export interface AreaFrame {
  functionName: string;
  url: string;
}

/** The areas, nearest frame first: the first whose pattern matches a frame's url and name wins. */
const CALLER_AREAS: readonly [string, RegExp][] = [
  ['TLS handshakes and contexts', /_tls_|tls\/secure-context|_tls_common|getPeerCertificate|checkServerIdentity|node:tls/],
  ['HTTP/2 sessions and streams', /internal\/http2\//],
  ['logging (pino)', /node_modules\/(pino|sonic-boom|thread-stream|fast-redact)\//],
  ['zod validation', /node_modules\/zod\//],
  ['YAML parsing', /node_modules\/yaml\//],
  ['hashing (node:crypto)', /internal\/crypto\/hash/],
  ['state journal (files, fsync)', /\/packages\/core\/dist\/state\//],
  ['HTTP/1.1, sockets, streams', /_http_|node:https?\b|internal\/streams|node:net|internal\/net|stream_base_commons/],
  ["request layer (meshd's)", /\/packages\/core\/dist\/cluster\//],
  ['plan and release engine', /\/packages\/core\/dist\/(plan|release|apply)\//],
  ['module loading', /internal\/modules|compileSourceTextModule|wrapSafe/],
  ["meshd's other code", /\/packages\/[a-z-]+\/dist\//],
];

/** What a sample whose own frame is a V8 builtin of these names was doing, whoever called it. */
const OWN_FRAME_AREAS: readonly [string, (f: AreaFrame) => boolean][] = [
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['JSON parse/stringify', (f) => f.url === '' && (f.functionName === 'parse' || f.functionName === 'stringify')],
  ['structuredClone', (f) => f.functionName === 'structuredClone'],
  ['V8 and native, unattributed', (f) => f.functionName === '(program)'],
];

/** The area a sample is counted in, given its frames from its own (first) to the outermost caller. */
export function areaOf(frames: readonly AreaFrame[]): string {
  const own = frames[0];
  if (own) for (const [area, test] of OWN_FRAME_AREAS) if (test(own)) return area;
  for (const frame of frames) {
    const text = `${frame.url} ${frame.functionName}`;
    const hit = CALLER_AREAS.find(([, re]) => re.test(text));
    if (hit) return hit[0];
  }
  return 'other (timers, promises, node internals)';
}
