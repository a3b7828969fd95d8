/**
 * Source of the supervisor: a tiny Node.js program (CommonJS, node: builtins only) run with `node -e`
 * in a session and process group of its own. It starts the cluster processes as its children and
 * owns them: when the launcher's pipe closes (the launcher exited or was killed, even with SIGKILL),
 * or on SIGTERM/SIGINT/SIGHUP, it kills every child, removes the registered paths and exits. After
 * `detach` it ignores the pipe and lives on until SIGTERM (`testenv down`).
 *
 * Protocol: JSON lines. In: {op:'spawn',name,command,args,env,log} {op:'kill',name,signal}
 * {op:'cleanup',paths} {op:'detach'} {op:'shutdown'}. Out: {op:'spawned',name,pid}
 * {op:'exited',name,code,signal} {op:'error',name,message} {op:'detached'}.
 */
export const SUPERVISOR_MARKER = '--meshd-testenv-supervisor';

export const SUPERVISOR_SOURCE = String.raw`
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const readline = require('node:readline');
const children = new Map();
let detached = false;
let stopping = false;
let cleanupPaths = [];

function send(msg) {
  if (detached) return;
  try { process.stdout.write(JSON.stringify(msg) + '\n'); } catch { /* launcher gone */ }
}

function start(m) {
  let out;
  try {
    out = fs.openSync(m.log, 'a');
    const child = spawn(m.command, m.args, { env: m.env, stdio: ['ignore', out, out] });
    children.set(m.name, child);
    child.once('error', (err) => send({ op: 'error', name: m.name, message: String(err.message) }));
    child.once('spawn', () => send({ op: 'spawned', name: m.name, pid: child.pid }));
    child.once('exit', (code, signal) => {
      if (children.get(m.name) === child) children.delete(m.name);
      if (!stopping) send({ op: 'exited', name: m.name, code, signal });
      if (stopping && children.size === 0) finish();
    });
  } catch (err) {
    send({ op: 'error', name: m.name, message: String(err && err.message) });
  } finally {
    if (out !== undefined) fs.closeSync(out);
  }
}

function finish() {
  for (const p of cleanupPaths) {
    try { fs.rmSync(p, { recursive: true, force: true }); } catch { /* best effort */ }
  }
  process.exit(0);
}

function shutdown() {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
  if (children.size === 0) finish();
  setTimeout(finish, 5000).unref();
}

function handle(line) {
  let m;
  try { m = JSON.parse(line); } catch { return; }
  if (m.op === 'spawn') start(m);
  else if (m.op === 'kill') { const c = children.get(m.name); if (c) c.kill(m.signal || 'SIGTERM'); }
  else if (m.op === 'cleanup') cleanupPaths = m.paths;
  else if (m.op === 'detach') { send({ op: 'detached' }); detached = true; }
  else if (m.op === 'shutdown') shutdown();
}

readline.createInterface({ input: process.stdin }).on('line', handle);
process.stdin.on('close', () => { if (!detached) shutdown(); });
process.stdout.on('error', () => { /* launcher gone */ });
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, shutdown);
`;
