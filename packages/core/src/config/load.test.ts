import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '../errors.js';
import { loadConfig } from './load.js';

let root: string;
let home: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'meshd-config-'));
  home = join(root, 'home');
  await mkdir(join(home, '.config', 'meshd'), { recursive: true });
  await mkdir(join(root, 'etc'));
  await writeFile(join(root, 'etc', 'meshd.yaml'), 'directory: clusters\nchart: ../charts/istio-remote\nresync: 30s\n');
  await writeFile(join(root, 'bad.yaml'), 'resync: 30s\nprune: maybe\n');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('without a file: defaults, with ~ expanded and the chart resolved against the working directory', async () => {
    const config = await loadConfig(undefined, {}, { homeDir: home, cwd: root, searchPaths: [] });
    expect(config.directory).toBe(join(home, 'multicluster'));
    expect(config.chart).toBe(join(root, 'examples/charts/istio-remote'));
    expect(config.listen).toBe('127.0.0.1:9580');
  });

  it('resolves relative paths in a file against the file, and flags against the working directory', async () => {
    const config = await loadConfig('etc/meshd.yaml', { directory: 'mine' }, { homeDir: home, cwd: root });
    expect(config.directory).toBe(join(root, 'mine'));
    expect(config.chart).toBe(join(root, 'charts/istio-remote'));
    expect(config.resync).toBe(30_000);
  });

  it.each([
    ['empty', ''],
    ['whitespace-only', '  \n\t\n'],
  ])('an %s file is every default at start-up, but an error on reload', async (_what, text) => {
    const file = join(root, `reload-${text.length}.yaml`);
    await writeFile(file, text);
    expect((await loadConfig(file, {}, { homeDir: home, cwd: root })).directory).toBe(join(home, 'multicluster'));
    const err = await loadConfig(file, {}, { homeDir: home, cwd: root, reloading: true }).catch((e: unknown) => e);
    expect(hasCode(err, 'MESHD_ERR_INVALID_CONFIG')).toBe(true);
    expect((err as Error).message).toBe(`config file ${file} is empty; keeping the running configuration`);
  });

  it('on reload, a file with settings still loads, and no file at all still means defaults', async () => {
    expect((await loadConfig('etc/meshd.yaml', {}, { homeDir: home, cwd: root, reloading: true })).resync).toBe(30_000);
    expect((await loadConfig(undefined, {}, { homeDir: home, cwd: root, searchPaths: [], reloading: true })).listen).toBe('127.0.0.1:9580');
  });

  it('finds the first existing search path when no file is named', async () => {
    const config = await loadConfig(undefined, {}, { homeDir: home, cwd: '/', searchPaths: ['~/.config/meshd/meshd.yaml', join(root, 'etc', 'meshd.yaml')] });
    expect(config.directory).toBe(join(root, 'etc', 'clusters'));
  });

  it('a named file that does not exist is an error', async () => {
    const error = await loadConfig('nope.yaml', {}, { homeDir: home, cwd: root }).catch((err: unknown) => err);
    expect(hasCode(error, 'MESHD_ERR_INVALID_CONFIG')).toBe(true);
    expect((error as Error).message).toBe(`config file ${join(root, 'nope.yaml')} does not exist`);
  });

  it('an invalid file is a terminal error listing FILE:LINE:COL findings', async () => {
    const error = await loadConfig(join(root, 'bad.yaml'), {}, { homeDir: home, cwd: root }).catch((err: unknown) => err);
    expect(hasCode(error, 'MESHD_ERR_INVALID_CONFIG')).toBe(true);
    expect((error as { terminal: boolean }).terminal).toBe(true);
    expect((error as Error).message).toBe(`invalid configuration:\n${join(root, 'bad.yaml')}:2:8: error: prune must be true or false, got "maybe"`);
  });

  it("uses the caller's default chart only when neither the file nor a flag names one", async () => {
    const bundled = '/usr/lib/meshd/examples/charts/istio-remote';
    expect((await loadConfig(undefined, {}, { homeDir: home, cwd: root, searchPaths: [], defaultChart: bundled })).chart).toBe(bundled);
    const fromFile = await loadConfig(join(root, 'etc', 'meshd.yaml'), {}, { homeDir: home, cwd: root, defaultChart: bundled });
    expect(fromFile.chart).toBe(join(root, 'charts/istio-remote'));
    const fromFlag = await loadConfig(undefined, { chart: './mine' }, { homeDir: home, cwd: root, searchPaths: [], defaultChart: bundled });
    expect(fromFlag.chart).toBe(join(root, 'mine'));
  });

  it('keeps chart repository references as they are', async () => {
    const config = await loadConfig(undefined, { chart: 'istio.io/istio-remote' }, { homeDir: home, cwd: root, searchPaths: [] });
    expect(config.chart).toBe('istio.io/istio-remote');
  });
});
