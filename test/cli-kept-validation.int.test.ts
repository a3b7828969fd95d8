// Issue 17: the one-shot CLI keeps its verdict on the cluster directory in the state directory and
// uses it again while no file changed (state/validation-file.ts), so a no-op `meshd apply` does not
// parse and validate every descriptor and kubeconfig again. What must hold against real clusters: the
// kept file carries no credential; a run on unchanged files gives the same report; any change to a
// file (a kubeconfig pointing elsewhere, a descriptor made invalid) is seen at once, as without the
// file. runCommandPass with a build named, as a release build names itself (from the repository
// meshd keeps nothing: keptValidationBuild()).
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VALIDATION_FILE } from '@meshd/core/state';
import { captureIo, recordingLogger, type RecordingLogger } from '@meshd/testkit';
import { runCommandPass } from 'meshd';
import { describe, expect, it } from 'vitest';
import { stateDirOf, useMesh } from './support/mesh.js';

const mesh = useMesh({ count: 3, apply: true });

/** One `meshd apply` pass as a release build runs it (no build: as from the repository); its report and debug log. */
async function apply(
  build: string | null = '0.1.0+test-build',
): Promise<{ report: Awaited<ReturnType<typeof runCommandPass>>['report']; log: RecordingLogger }> {
  const log = recordingLogger();
  const { report } = await runCommandPass({
    mode: 'apply',
    dir: mesh.ws.dir,
    config: mesh.ws.configPath,
    logger: log,
    io: captureIo(mesh.ws.root),
    ...(build === null ? {} : { validationBuild: build }),
  });
  return { report, log };
}

const used = (log: RecordingLogger): boolean => log.entries.some((e) => /kept validation is used/.test(e.msg ?? ''));
const keptPath = (): string => join(stateDirOf(mesh.ws), VALIDATION_FILE);
/** The report without what differs between two identical runs. */
const comparable = (report: Awaited<ReturnType<typeof apply>>['report']): unknown => ({
  ...report,
  startedAt: undefined,
  durationMs: undefined,
  finishedAt: undefined,
});

describe('meshd apply keeps its verdict on an unchanged cluster directory', () => {
  it('keeps it without any file content, and a second run uses it with the same report', async () => {
    const first = await apply();
    expect(first.report.converged).toBe(true);
    const kept = await readFile(keptPath(), 'utf8');
    const secrets: string[] = [];
    for (const name of await readdir(mesh.ws.dir)) {
      const text = await readFile(join(mesh.ws.dir, name), 'utf8');
      for (const m of text.matchAll(/(?:token|client-key-data|client-certificate-data|certificate-authority-data): *"?([^\s"]{16,})/g)) secrets.push(m[1]!);
    }
    expect(secrets.length).toBeGreaterThanOrEqual(mesh.env.clusters.length);
    for (const secret of secrets) expect(kept).not.toContain(secret.slice(0, 32));
    const second = await apply();
    expect(used(second.log)).toBe(true);
    expect(second.report.converged).toBe(true);
    expect(comparable(second.report)).toEqual(comparable(first.report));
  });

  it('sees a kubeconfig changed since: the cluster behind it is dialled at its new address', async () => {
    await apply();
    const remote = mesh.env.clusters[1]!;
    const path = join(mesh.ws.dir, `${remote.name}.kube.conf`);
    const original = await readFile(path, 'utf8');
    try {
      // Nothing listens on 127.0.0.1:9 (discard): the remote becomes unreachable, nothing is changed.
      await writeFile(path, original.replace(/server: *\S+/, 'server: https://127.0.0.1:9'), { mode: 0o600 });
      const moved = await apply();
      expect(used(moved.log)).toBe(false);
      const cluster = moved.report.clusters.find((c) => c.name === remote.name);
      expect(cluster?.server).toBe('https://127.0.0.1:9');
      expect(cluster?.reachable).toBe(false);
    } finally {
      await writeFile(path, original, { mode: 0o600 });
    }
    const back = await apply();
    expect(back.report.converged).toBe(true);
  });

  it('sees a descriptor made invalid since: the finding is reported and nothing of that cluster changes', async () => {
    await apply();
    const remote = mesh.env.clusters[2]!;
    const path = join(mesh.ws.dir, `${remote.name}.yaml`);
    const original = await readFile(path, 'utf8');
    try {
      await writeFile(path, original.replace('config.istio.io/platform: Kubernetes', 'config.istio.io/platform: Mesos'));
      const broken = await apply();
      expect(used(broken.log)).toBe(false);
      expect(broken.report.directoryValid).toBe(false);
      expect(broken.report.findings.some((f) => f.severity === 'error' && f.file === `${remote.name}.yaml`)).toBe(true);
    } finally {
      await writeFile(path, original);
    }
    expect((await apply()).report.converged).toBe(true);
  });

  it('a run without a build (meshd from the repository) validates and keeps nothing new', async () => {
    await apply();
    const before = await readFile(keptPath(), 'utf8');
    const plain = await apply(null);
    expect(used(plain.log)).toBe(false);
    expect(plain.report.converged).toBe(true);
    expect(await readFile(keptPath(), 'utf8')).toBe(before);
  });
});
