// Summarises a V8 CPU profile (node --cpu-prof) by what each sample's stack was doing: TLS, HTTP,
// client-node (de)serialisation, YAML, zod, meshd's own code, module loading, GC.
// Run: npx tsx bench/profile.ts FILE.cpuprofile [--top N] [--last S] [--areas]   (N: also list the N busiest meshd functions;
//      S: only the profile's last S seconds, e.g. a daemon's idle window before it was stopped;
//      --areas: group by the finer areas of profile-areas.ts instead: TLS, HTTP/2, HTTP/1.1, JSON, zod,
//      YAML, hashing, state journal, plan, logging, GC, meshd's request layer and the rest)
import { readFile } from 'node:fs/promises';
import { flag } from './lib/args.js';
import { areaOf } from './profile-areas.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const CATEGORIES: [string, RegExp][] = [
  ['TLS: new secure contexts, handshakes, certificate checks', /_tls_|tls\/secure-context|_tls_common|getPeerCertificate|checkServerIdentity|node:tls/],
  ['module loading', /internal\/modules|compileSourceTextModule|wrapSafe/],
  ['@kubernetes/client-node (de)serialisation', /ObjectSerializer|client-node\/dist\/gen/],
  ['YAML parsing', /node_modules\/yaml\//],
  ['zod validation', /node_modules\/zod\//],
  ["meshd's own code", /\/packages\/[a-z-]+\/dist\//],
];
const OTHER = 'HTTP, streams, node-fetch, timers';

const file = process.argv[2];
if (!file) throw new Error('usage: profile.ts FILE.cpuprofile [--top N]');
const top = Number(flag(process.argv, '--top') ?? 0);
const lastSeconds = flag(process.argv, '--last');
const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

function categoryOf(id: number): string {
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const frame = byId.get(cur)?.callFrame;
    const text = `${frame?.url ?? ''} ${frame?.functionName ?? ''}`;
    const hit = CATEGORIES.find(([, re]) => re.test(text));
    if (hit) return hit[0];
  }
  return OTHER;
}

/** The frames of a sample, its own first. */
function framesOf(id: number): ProfileNode['callFrame'][] {
  const frames: ProfileNode['callFrame'][] = [];
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const frame = byId.get(cur)?.callFrame;
    if (frame) frames.push(frame);
  }
  return frames;
}

const byArea = process.argv.includes('--areas');
const areaById = new Map<number, string>();

/** The area of a sample's node (profile-areas.ts), computed once per node. */
function areaOfNode(id: number): string {
  let area = areaById.get(id);
  if (area === undefined) areaById.set(id, (area = areaOf(framesOf(id))));
  return area;
}

const totals = new Map<string, number>();
const meshdSelf = new Map<string, number>();
let busy = 0;
let idle = 0;
type CallFrame = ProfileNode['callFrame'];

function addTo(map: Map<string, number>, key: string, dt: number): void {
  map.set(key, (map.get(key) ?? 0) + dt);
}

function recordMeshdSelf(frame: CallFrame | undefined, dt: number): void {
  if (!frame || !/\/packages\//.test(frame.url)) return;
  const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/.*\/packages\//, 'packages/')}:${frame.lineNumber + 1}`;
  addTo(meshdSelf, key, dt);
}

/** Sample times from the profile's start, µs; with --last S only samples after (end − S) count. */
const sampleTimes: number[] = [];
profile.timeDeltas.reduce((t, dt) => (sampleTimes.push(t + dt), t + dt), 0);
const from = lastSeconds === undefined ? -Infinity : (sampleTimes.at(-1) ?? 0) - Number(lastSeconds) * 1e6;

profile.samples.forEach((id, i) => {
  if ((sampleTimes[i] ?? 0) < from) return;
  const dt = profile.timeDeltas[i] ?? 0;
  const frame = byId.get(id)?.callFrame;
  if (frame?.functionName === '(idle)') return void (idle += dt);
  busy += dt;
  const category = byArea ? areaOfNode(id) : frame?.functionName === '(garbage collector)' ? 'garbage collection' : categoryOf(id);
  addTo(totals, category, dt);
  recordMeshdSelf(frame, dt);
});
console.log(`busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s (main thread)`);
for (const [name, us] of [...totals].sort((a, b) => b[1] - a[1]))
  console.log(`${(us / 1e6).toFixed(2).padStart(7)} s ${((100 * us) / busy).toFixed(0).padStart(3)} %  ${name}`);
if (top > 0) {
  console.log(`\nbusiest meshd functions (self time):`);
  for (const [name, us] of [...meshdSelf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${(us / 1e3).toFixed(0).padStart(7)} ms  ${name}`);
}
