import { connect } from 'node:net';
import type { ClusterLayout } from './layout.js';

/** Namespace the test Tillers keep their release records in (as Secrets, `--storage=secret`). */
export const TILLER_NAMESPACE = 'kube-system';

/** `127.0.0.1:PORT` of a cluster's Tiller, or undefined when it has none. */
export function tillerHostOf(layout: ClusterLayout): string | undefined {
  return layout.ports.tiller === undefined ? undefined : `127.0.0.1:${layout.ports.tiller}`;
}

/**
 * Flags of an out-of-cluster Tiller: gRPC on loopback only, no probe server (several Tillers share
 * the host), releases stored as Secrets in TILLER_NAMESPACE.
 */
export function tillerArgs(port: number): string[] {
  return ['--listen', `127.0.0.1:${port}`, '--probe=false', '--storage=secret'];
}

/**
 * Tiller's environment: the cluster's admin kubeconfig and its namespace; nothing inherited from the
 * launching process apart from PATH, so a developer's own KUBECONFIG never leaks in.
 */
export function tillerEnv(layout: ClusterLayout): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: layout.dataDir, KUBECONFIG: layout.kubeconfigPath, TILLER_NAMESPACE };
}

/** True when something accepts a TCP connection on 127.0.0.1:`port` within `timeoutMs`. */
export function acceptsConnections(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
