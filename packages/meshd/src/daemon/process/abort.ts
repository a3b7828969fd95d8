import { setMaxListeners } from 'node:events';

/**
 * An AbortController whose signal may have any number of listeners. Every request and watch in
 * flight listens on the signal that can cancel it, so at hundreds of clusters (or with requests
 * queued per cluster) Node's default limit of 10 would log a false "memory leak" warning.
 */
export function manyListenerAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
