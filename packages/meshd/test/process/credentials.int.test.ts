// Rule 6 through the real process at debug log level: credentials planted in kubeconfigs (working
// tokens, a rejected one, one for an API server that does not answer, one whose API server goes
// away, user info in server URLs) never show in /status, /metrics, /readyz, /healthz or anything the
// process writes to stdout or stderr.
import { randomBytes } from 'node:crypto';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sampleDescriptor } from '@meshd/testkit';
import { describe, expect, it } from 'vitest';
import { freePort, until } from '@meshd/testkit';
import { useProcessFixture } from './fixture.js';

const secret = (): string => `meshd-planted-${randomBytes(16).toString('hex')}`;
const planted = { rejected: secret(), unanswered: secret(), rejectedUrl: secret(), unansweredUrl: secret() };
const withUserInfo = (server: string, password: string): string => server.replace('https://', `https://meshd:${password}@`);

/** Writes NAME.yaml and a kubeconfig made from `text`. */
async function plant(name: string, text: string): Promise<void> {
  await writeFile(join(fx.ws.dir, `${name}.kube.conf`), text, { mode: 0o600 });
  await writeFile(join(fx.ws.dir, `${name}.yaml`), sampleDescriptor({ name, controlPlane: false, pilotEndpoint: 'istio-pilot.istio-system:15007' }));
}

const fx = useProcessFixture({
  daemon: { logLevel: 'debug' },
  waitReady: false,
  prepare: async ({ env }) => {
    const [remote2] = env.clusters.slice(2);
    const text = await readFile(remote2!.kubeconfigPath, 'utf8');
    const server = remote2!.server;
    await plant('remote-2', text.replace(remote2!.token, planted.rejected).replace(server, withUserInfo(server, planted.rejectedUrl)));
    const nobody = `https://127.0.0.1:${await freePort()}`;
    await plant('ghost', text.replace(remote2!.token, planted.unanswered).replace(server, withUserInfo(nobody, planted.unansweredUrl)));
  },
});

const context = (): string => fx.daemon.tail();
const cluster = async (name: string) => (await fx.daemon.status()).clusters.find((c) => c.name === name);

describe('credentials never leave meshd run', () => {
  it('reports the failing clusters by their errors', async () => {
    await until(
      'remote-1 converged, remote-2 and ghost failing',
      async () => {
        const [r1, r2, ghost] = await Promise.all(['remote-1', 'remote-2', 'ghost'].map(cluster));
        return r1?.state === 'converged' && r2?.lastError !== undefined && ghost?.reachable === false && ghost.lastError !== undefined ? true : undefined;
      },
      { timeoutMs: 60_000, context },
    );
  });

  it('reports a remote whose API server went away as unreachable, and converges it when it is back', async () => {
    const remote1 = fx.env.clusters[1]!;
    await remote1.stopApiServer();
    await appendFile(join(fx.ws.dir, 'remote-1.yaml'), '# touched while its API server is down\n');
    await until('remote-1 unreachable', async () => ((await cluster('remote-1'))?.reachable === false ? true : undefined), { timeoutMs: 60_000, context });
    await remote1.startApiServer();
    await until('remote-1 converged again', async () => ((await cluster('remote-1'))?.state === 'converged' ? true : undefined), {
      timeoutMs: 90_000,
      context,
    });
  });

  it('shows no token in any response or in the process output', async () => {
    const bodies = await Promise.all(['/status', '/metrics', '/readyz', '/healthz'].map(async (p) => (await fx.daemon.get(p)).body));
    await fx.daemon.stop();
    const output = fx.daemon.output();
    (await import('node:fs')).writeFileSync('/tmp/cred-output.txt', output + '\n=====\n' + bodies.join('\n=====\n'));
    expect(output).toContain('"level":20');
    expect(output).toContain('ECONNREFUSED');
    expect(output).toContain('401');
    const tokens = [...fx.env.clusters.map((c) => c.token), ...Object.values(planted)];
    for (const token of tokens) {
      for (const form of [token, Buffer.from(token).toString('base64')]) {
        for (const body of bodies) expect(body).not.toContain(form);
        expect(output).not.toContain(form);
      }
    }
  });
});
