import { describe, expect, it } from 'vitest';
import { cleanStderr, execHelm, helmExitCode, runHelm } from './exec.js';

// A stand-in "binary": node itself, running a tiny script, so no helm is needed here.
const node = process.execPath;

async function failureOf(promise: Promise<unknown>): Promise<{ code: string; terminal: boolean; message: string; exit: number | undefined }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { code: string; terminal: boolean; message: string };
    return { code: e.code, terminal: e.terminal, message: e.message, exit: helmExitCode(err) };
  }
  throw new Error('expected a failure');
}

describe('runHelm', () => {
  it('returns stdout of a successful run, without a shell (arguments are not interpreted)', async () => {
    const out = await runHelm(node, ['-e', 'process.stdout.write(process.argv[1])', '$(echo injected) ; *']);
    expect(out.stdout).toBe('$(echo injected) ; *');
  });

  it('reports the exit code and the trimmed stderr with the code the caller gives a non-zero exit (terminal)', async () => {
    const script =
      'process.stderr.write("\\n  Error: execution error at (c/templates/a.yaml:2:3): bad value\\n\\nUse --debug flag to render out invalid YAML\\n"); process.exit(3)';
    const failure = await failureOf(runHelm(node, ['-e', script], { exitCode: 'MESHD_ERR_CHART_RENDER' }));
    expect(await failureOf(runHelm(node, ['-e', 'process.exit(2)']))).toMatchObject({ code: 'MESHD_ERR_HELM_UNUSABLE', terminal: true, exit: 2 });
    expect(failure).toEqual({
      code: 'MESHD_ERR_CHART_RENDER',
      terminal: true,
      exit: 3,
      message: `${node} -e failed (exit code 3): Error: execution error at (c/templates/a.yaml:2:3): bad value`,
    });
  });

  it('reports a timeout as retryable', async () => {
    const failure = await failureOf(runHelm(node, ['-e', 'setTimeout(() => {}, 10000)'], { timeoutMs: 200 }));
    expect(failure.code).toBe('MESHD_ERR_HELM');
    expect(failure.terminal).toBe(false);
    expect(failure.message).toMatch(/timed out after 200 ms/);
  });

  it('reports an abort as retryable', async () => {
    const controller = new AbortController();
    const running = runHelm(node, ['-e', 'setTimeout(() => {}, 10000)'], { signal: controller.signal });
    controller.abort();
    const failure = await failureOf(running);
    expect([failure.code, failure.terminal]).toEqual(['MESHD_ERR_HELM', false]);
    expect(failure.message).toMatch(/aborted/);
  });

  it('reports a missing binary as terminal, naming it', async () => {
    const failure = await failureOf(runHelm('/nonexistent/helm', ['version']));
    expect(failure).toMatchObject({ code: 'MESHD_ERR_HELM_UNUSABLE', terminal: true, exit: undefined });
    expect(failure.message).toContain('/nonexistent/helm version could not run (ENOENT)');
  });
});

describe('cleanStderr', () => {
  it('cuts very long output', () => {
    expect(cleanStderr('x'.repeat(10_000)).length).toBe(4001);
  });
});

describe('execHelm: the one runner, reporting instead of throwing', () => {
  it.each([
    { name: 'success', args: ['-e', 'process.stdout.write("ok")'], expected: { ok: true, stdout: 'ok' } },
    {
      name: 'exit code with trimmed stderr',
      args: ['-e', 'process.stderr.write("Error: no\\n"); process.exit(2)'],
      expected: { ok: false, exitCode: 2, stderr: 'Error: no', why: 'exit code 2' },
    },
  ])('$name', async ({ args, expected }) => {
    expect(await execHelm({ binary: node, args })).toMatchObject(expected);
  });

  it('a binary that cannot run has no exit code and says why', async () => {
    const result = await execHelm({ binary: '/nonexistent/helm', args: ['version'] });
    expect(result).toMatchObject({ ok: false, why: 'could not run (ENOENT)' });
    expect('exitCode' in result).toBe(false);
  });
});
