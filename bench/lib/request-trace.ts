// A tracing hook for the daemon's process (bench:daemon --trace): loaded with
// NODE_OPTIONS="--import tsx --import <this file>" and MESHD_TRACE_FILE=<file>, it appends one JSON
// line per HTTP(S) request meshd makes over node:http(s) (its request layer; watches run over HTTP/2
// and are not traced) and per helm run: { kind, start, ms, ... }, `start` in wall-clock milliseconds.
// It changes nothing the daemon does; it only times calls.
import { appendFileSync } from 'node:fs';
import childProcess from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';

const file = process.env.MESHD_TRACE_FILE;
const wallNow = (): number => performance.timeOrigin + performance.now();
const record = (entry: Record<string, unknown>): void => {
  if (file) appendFileSync(file, `${JSON.stringify(entry)}\n`);
};

type RequestFn = typeof http.request;

/** Method, port and path of a request from its arguments: (url, options, …) or (options, …). */
function target(args: readonly unknown[]): { method: string; port: unknown; path: string } {
  const first = args[0];
  if (typeof first === 'string' || first instanceof URL) {
    const url = new URL(first);
    return { method: (args[1] as http.RequestOptions | undefined)?.method ?? 'GET', port: url.port, path: url.pathname };
  }
  const options = (first ?? {}) as http.RequestOptions;
  const [path = ''] = String(options.path ?? '').split('?');
  return { method: options.method ?? 'GET', port: options.port, path };
}

function traceRequests(module: { request: RequestFn }, scheme: string): void {
  const original = module.request;
  const traced = (...args: unknown[]): http.ClientRequest => {
    const start = wallNow();
    const request = (original as (...a: unknown[]) => http.ClientRequest)(...args);
    const entry = { kind: 'http', scheme, ...target(args), start };
    request.once('response', (response: http.IncomingMessage) => {
      response.once('end', () => record({ ...entry, status: response.statusCode, ms: wallNow() - start }));
    });
    request.once('error', (err: NodeJS.ErrnoException) => record({ ...entry, error: err.code ?? err.message, ms: wallNow() - start }));
    return request;
  };
  module.request = traced;
}

type Callback = (...result: unknown[]) => void;

function traceExecFile(): void {
  const original = childProcess.execFile as unknown as (...a: unknown[]) => childProcess.ChildProcess;
  const traced = (file: string, args: unknown, options: unknown, callback?: Callback): childProcess.ChildProcess => {
    const start = wallNow();
    const done = typeof callback === 'function' ? callback : (options as Callback);
    const wrapped: Callback = (...result) => {
      record({ kind: 'exec', file: file.split('/').pop(), args: Array.isArray(args) ? args.slice(0, 1) : [], start, ms: wallNow() - start });
      done(...result);
    };
    return typeof callback === 'function' ? original(file, args, options, wrapped) : original(file, args, wrapped);
  };
  (childProcess as { execFile: unknown }).execFile = traced;
}

traceRequests(http, 'http');
traceRequests(https, 'https');
traceExecFile();
syncBuiltinESMExports();
