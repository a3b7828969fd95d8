import { describe, expect, it } from 'vitest';
import { commandLabel } from './session.js';
import { connectionArgs, getValuesArgs, historyArgs, installArgs, purgeArgs, rollbackArgs, tillerInstallArgs, upgradeArgs } from './args.js';

const target = { release: 'istio-remote', namespace: 'istio-system', chartDir: '/charts/istio-remote', valuesFile: '/tmp/s/values.json', timeoutMs: 300_000 };

describe('Helm 2 command lines', () => {
  it('reaches Tiller at a host with --host, never through a kubeconfig', () => {
    const args = connectionArgs({ home: '/tmp/s/home', location: { host: '127.0.0.1:44134', namespace: 'kube-system' }, connectTimeoutMs: 10_000 });
    expect(args).toEqual(['--home', '/tmp/s/home', '--tiller-namespace', 'kube-system', '--tiller-connection-timeout', '10', '--host', '127.0.0.1:44134']);
  });

  it('without a host, port-forwards with the temp kubeconfig and its context', () => {
    const args = connectionArgs({
      home: '/h',
      location: { namespace: 'tiller-ns' },
      kubeconfig: '/tmp/s/kubeconfig',
      kubeContext: 'east',
      connectTimeoutMs: 2500,
    });
    expect(args).toEqual([
      '--home',
      '/h',
      '--tiller-namespace',
      'tiller-ns',
      '--tiller-connection-timeout',
      '3',
      '--kubeconfig',
      '/tmp/s/kubeconfig',
      '--kube-context',
      'east',
    ]);
    expect(() => connectionArgs({ home: '/h', location: { namespace: 'x' }, connectTimeoutMs: 1 })).toThrow(/kubeconfig/);
  });

  it.each([
    ['history', historyArgs('istio-remote'), ['history', 'istio-remote', '--max', '256', '--output', 'json']],
    ['get values', getValuesArgs('istio-remote', 7), ['get', 'values', 'istio-remote', '--revision', '7', '--output', 'json']],
    ['get values of the latest revision', getValuesArgs('istio-remote'), ['get', 'values', 'istio-remote', '--output', 'json']],
    [
      'install',
      installArgs(target, false),
      ['install', '/charts/istio-remote', '--name', 'istio-remote', '--namespace', 'istio-system', '--values', '/tmp/s/values.json', '--timeout', '300'],
    ],
    ['install --replace', installArgs(target, true).slice(-1), ['--replace']],
    [
      'upgrade',
      upgradeArgs(target),
      ['upgrade', 'istio-remote', '/charts/istio-remote', '--values', '/tmp/s/values.json', '--reset-values', '--timeout', '300'],
    ],
    ['rollback', rollbackArgs('istio-remote', 3, 60_000), ['rollback', 'istio-remote', '3', '--timeout', '60']],
    ['purge', purgeArgs('istio-remote', 60_000), ['delete', 'istio-remote', '--purge', '--timeout', '60']],
  ])('%s', (_name, args, expected) => {
    expect(args).toEqual(expected);
  });

  it('never passes values with --set and never waits for pods', () => {
    for (const args of [installArgs(target, false), upgradeArgs(target)]) {
      expect(args.some((a) => a.startsWith('--set') || a === '--wait' || a === '--atomic')).toBe(false);
    }
  });

  it('helm init deploys Tiller with the tiller service account, through the kubeconfig, and waits', () => {
    const args = tillerInstallArgs(
      { home: '/h', location: { namespace: 'kube-system' }, kubeconfig: '/k', kubeContext: 'c', connectTimeoutMs: 60_000 },
      'tiller',
    );
    expect(args.slice(0, 5)).toEqual(['init', '--service-account', 'tiller', '--skip-repos', '--wait']);
    expect(args).toEqual(expect.arrayContaining(['--kubeconfig', '/k', '--kube-context', 'c', '--tiller-namespace', 'kube-system']));
    expect(args).not.toContain('--client-only');
  });
});

describe('commandLabel', () => {
  it.each([
    [historyArgs('istio-remote'), 'helm history istio-remote'],
    [getValuesArgs('istio-remote', 2), 'helm get values istio-remote'],
    [installArgs(target, false), 'helm install istio-remote'],
    [upgradeArgs(target), 'helm upgrade istio-remote'],
    [purgeArgs('istio-remote', 1000), 'helm delete istio-remote'],
    [tillerInstallArgs({ home: '/h', location: { namespace: 'kube-system' }, kubeconfig: '/k', kubeContext: 'c', connectTimeoutMs: 1 }, 'tiller'), 'helm init'],
  ])('%j → %s', (args, label) => {
    expect(commandLabel(args)).toBe(label);
  });
});
