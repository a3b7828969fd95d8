// A CommonJS preload (`node --require FILE`) that records, in the traced process, every HTTP(S)
// request, HTTP/1.1 or an HTTP/2 stream (start, end, method, path, server), every child process (helm), every fsync (with the last two parts of its file's path) and every
// timer that fired after waiting ≥ 5 ms, and writes them as JSON to $MESHD_TRACE_FILE at exit. It
// wraps node's own modules' exported functions, which the bundle reads at call time, so the traced
// CLI is the shipped one, unchanged. Kept as text here (written to a temp file by main.ts) so the
// repository's lint and type checks see only TypeScript.

/** One thing the traced process waited for, in ms since it started (performance.now()). */
export interface TraceEvent {
  kind: 'http' | 'child' | 'fsync' | 'timer';
  start: number;
  end?: number;
  /** http: METHOD path (no query); child: the command and its first argument; timer: the delay asked. */
  what: string;
  /** http: host:port of the server. */
  server?: string;
}

/** What the hook writes at exit. */
export interface TraceFile {
  events: TraceEvent[];
  exitAt: number;
  cpuUserMs: number;
  cpuSystemMs: number;
}

/** The preload's source. */
export const HOOK_SOURCE = String.raw`
'use strict';
const { performance } = require('node:perf_hooks');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const cp = require('node:child_process');
const events = [];
const now = () => performance.now();
function wrapRequest(mod) {
  const original = mod.request;
  mod.request = function (...args) {
    const req = original.apply(this, args);
    const ev = { kind: 'http', start: now(), what: req.method + ' ' + String(req.path).split('?')[0], server: String(req.getHeader('host')) };
    events.push(ev);
    req.on('response', (res) => res.on('end', () => { ev.end = now(); }));
    req.on('close', () => { if (ev.end === undefined) ev.end = now(); });
    return req;
  };
}
wrapRequest(require('node:https'));
wrapRequest(require('node:http'));
// meshd's requests and watches go over HTTP/2 (node:http2): each stream a session opens is a request.
const http2 = require('node:http2');
const originalConnect = http2.connect;
http2.connect = function (authority, ...rest) {
  const session = originalConnect.call(this, authority, ...rest);
  const server = String(authority).replace(/^https?:\/\//, '').replace(/\/$/, '');
  const originalStreamRequest = session.request;
  session.request = function (headers, ...more) {
    const stream = originalStreamRequest.call(this, headers, ...more);
    const ev = { kind: 'http', start: now(), what: String(headers[':method'] || 'GET') + ' ' + String(headers[':path']).split('?')[0], server };
    events.push(ev);
    stream.on('end', () => { if (ev.end === undefined) ev.end = now(); });
    stream.on('close', () => { if (ev.end === undefined) ev.end = now(); });
    return stream;
  };
  return session;
};
function wrapChild(name) {
  const original = cp[name];
  cp[name] = function (file, args, ...rest) {
    const child = original.call(this, file, args, ...rest);
    const ev = { kind: 'child', start: now(), what: String(file).split('/').pop() + ' ' + (Array.isArray(args) ? String(args[0]) : '') };
    events.push(ev);
    child.on('exit', () => { ev.end = now(); });
    return child;
  };
}
wrapChild('execFile');
wrapChild('spawn');
const originalOpen = fsp.open;
fsp.open = async function (...args) {
  const handle = await originalOpen.apply(this, args);
  for (const m of ['sync', 'datasync']) {
    const original = handle[m].bind(handle);
    const what = m + ' ' + String(args[0]).split('/').slice(-2).join('/');
    handle[m] = async () => { const ev = { kind: 'fsync', start: now(), what }; events.push(ev); try { return await original(); } finally { ev.end = now(); } };
  }
  return handle;
};
for (const m of ['fsync', 'fdatasync']) {
  const original = fs[m];
  fs[m] = function (fd, cb) { const ev = { kind: 'fsync', start: now(), what: m }; events.push(ev); return original.call(this, fd, (...r) => { ev.end = now(); cb(...r); }); };
}
const originalSetTimeout = global.setTimeout;
global.setTimeout = function (fn, ms, ...rest) {
  const start = now();
  if (typeof fn !== 'function' || !(ms >= 5)) return originalSetTimeout(fn, ms, ...rest);
  return originalSetTimeout(function (...a) { events.push({ kind: 'timer', start, end: now(), what: 'setTimeout ' + ms }); return fn.apply(this, a); }, ms, ...rest);
};
const tp = require('node:timers/promises');
const originalSleep = tp.setTimeout;
tp.setTimeout = async function (ms, ...rest) {
  const start = now();
  const value = await originalSleep.call(this, ms, ...rest);
  if (ms >= 5) events.push({ kind: 'timer', start, end: now(), what: 'timers/promises ' + ms });
  return value;
};
process.on('exit', () => {
  const cpu = process.cpuUsage();
  fs.writeFileSync(process.env.MESHD_TRACE_FILE, JSON.stringify({ events, exitAt: now(), cpuUserMs: cpu.user / 1000, cpuSystemMs: cpu.system / 1000 }));
});
`;
