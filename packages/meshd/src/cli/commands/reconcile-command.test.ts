import { reportError } from '@meshd/core';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type PassReport } from '@meshd/core';
import { sampleDescriptor, sampleKubeconfig } from '@meshd/testkit';
import { captureIo } from '@meshd/testkit';
import { main } from '../main.js';
import { exitCodeOf } from './reconcile-command.js';

async function scratch(config?: string): Promise<{ root: string; args: string[] }> {
  const root = await mkdtemp(join(tmpdir(), 'meshd-rc-'));
  await mkdir(join(root, 'multicluster'));
  const args = ['--dir', join(root, 'multicluster')];
  if (config !== undefined) {
    await writeFile(join(root, 'meshd.yaml'), config);
    args.push('--config', join(root, 'meshd.yaml'));
  }
  return { root, args };
}

describe('meshd plan / apply with bad input change nothing and say why', () => {
  const cases: { name: string; config?: string; command: 'plan' | 'apply'; stderr: RegExp; stdout?: RegExp }[] = [
    { name: 'unknown config key', command: 'plan', config: 'directory: /x\nbakend: tiller\n', stderr: /meshd\.yaml:2:1: error: .*bakend/ },
    { name: 'wrong type in config', command: 'apply', config: 'prune: sometimes\n', stderr: /meshd\.yaml:1:8: error: .*prune/ },
    {
      name: 'bad endpoint override',
      command: 'apply',
      config: 'endpoints: { pilot: pilot.example.com }\n',
      stderr: /meshd\.yaml:1:21: error: endpoints\.pilot must be an IP address/,
    },
    { name: 'config is a list', command: 'plan', config: '- a\n- b\n', stderr: /meshd\.yaml:1:1: error/ },
    { name: 'empty directory', command: 'plan', stdout: /no usable control plane: nothing was changed/, stderr: /error: .*control plane/ },
  ];
  it.each(cases)('$command with $name exits 1', async (c) => {
    const { root, args } = await scratch(c.config);
    const io = captureIo(root);
    const code = await main(['node', 'meshd', c.command, ...args], io);
    expect(code).toBe(1);
    expect(io.stderrText).toMatch(c.stderr);
    if (c.stdout) expect(io.stdoutText).toMatch(c.stdout);
  });

  it('a config file that does not exist is named', async () => {
    const { root, args } = await scratch();
    const io = captureIo(root);
    expect(await main(['node', 'meshd', 'apply', ...args, '--config', join(root, 'nope.yaml')], io)).toBe(1);
    expect(io.stderrText).toContain(`config file ${join(root, 'nope.yaml')} does not exist`);
  });
});

describe('no credential of a kubeconfig server URL in plan, apply or validate output (text and --json)', () => {
  // The daemon's redaction cases (output/redact.test.ts), through the commands: the server URL
  // reaches the output where the unreachable control plane is named.
  const cases: { name: string; server: string; secrets: string[] }[] = [
    { name: 'user:password', server: 'https://admin:PLANTEDPASS-12345678@127.0.0.1:1', secrets: ['PLANTEDPASS-12345678'] },
    { name: 'percent-encoded user info', server: 'https://admin:p%40ss-PLANTED-5678@127.0.0.1:1', secrets: ['p%40ss-PLANTED-5678', 'p@ss-PLANTED-5678'] },
    { name: 'an access_token query', server: 'https://127.0.0.1:1/?access_token=PLANTED-QUERY-TOKEN-99', secrets: ['PLANTED-QUERY-TOKEN-99'] },
  ];
  const commands = [['plan'], ['plan', '--json'], ['apply'], ['apply', '--json'], ['validate'], ['validate', '--json']];

  it.each(cases)('$name', async ({ server, secrets }) => {
    const { root, args } = await scratch();
    await writeFile(join(root, 'multicluster', 'cp.yaml'), sampleDescriptor({ name: 'cp', controlPlane: true }));
    await writeFile(join(root, 'multicluster', 'cp.kube.conf'), sampleKubeconfig('cp', server), { mode: 0o600 });
    for (const command of commands) {
      const io = captureIo(root);
      const logs = command[0] === 'validate' ? [] : ['--log-level', 'debug'];
      await main(['node', 'meshd', ...command, ...args, ...logs], io);
      const output = io.stdoutText + io.stderrText;
      for (const secret of secrets) expect(output, command.join(' ')).not.toContain(secret);
      // The unreachable server is named, without what it carried (user info is dropped, a query redacted).
      if (command[0] !== 'validate') expect(output, command.join(' ')).toContain('https://127.0.0.1:1');
    }
  });
});

describe('exitCodeOf', () => {
  const report = (over: Partial<PassReport>): PassReport => ({
    mode: 'plan',
    findings: [],
    directoryValid: true,
    clusters: [],
    errors: [],
    changes: 0,
    writes: 0,
    converged: true,
    registry: { component: 'registry', state: 'in-sync', reason: '', changes: [], writes: 0 },
    ...over,
  });
  const cases: { name: string; mode: 'plan' | 'apply'; r: PassReport; detailed: boolean; code: number }[] = [
    { name: 'plan, no changes', mode: 'plan', r: report({}), detailed: true, code: 0 },
    { name: 'plan, changes, detailed', mode: 'plan', r: report({ changes: 3, converged: false }), detailed: true, code: 2 },
    { name: 'plan, changes, not detailed', mode: 'plan', r: report({ changes: 3, converged: false }), detailed: false, code: 0 },
    { name: 'plan, invalid directory', mode: 'plan', r: report({ directoryValid: false }), detailed: true, code: 1 },
    {
      name: 'plan, unreachable cluster',
      mode: 'plan',
      r: report({
        clusters: [
          {
            name: 'east',
            role: 'remote',
            server: 's',
            reachable: false,
            state: 'unreachable',
            lastError: reportError('MESHD_ERR_UNREACHABLE', 'unreachable: ECONNREFUSED'),
            warnings: [],
            components: [],
          },
        ],
      }),
      detailed: true,
      code: 1,
    },
    { name: 'apply, converged', mode: 'apply', r: report({ mode: 'apply' }), detailed: false, code: 0 },
    { name: 'apply, not converged', mode: 'apply', r: report({ mode: 'apply', converged: false }), detailed: false, code: 1 },
  ];
  it.each(cases)('$name → $code', ({ mode, r, detailed, code }) => {
    expect(exitCodeOf(mode, r, detailed)).toBe(code);
  });
});
