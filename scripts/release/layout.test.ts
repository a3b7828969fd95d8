// The files the .deb ships are the repository's examples with a few edits: these fail here, fast,
// when an example changes under them (the .deb itself is tested by test/dist.int.test.ts).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@meshd/core';
import { BUILTIN_PLUGINS } from 'meshd';
import { CONFIG_EDITS, edited, UNIT_EDITS } from './layout.js';

const example = (path: string): Promise<string> => readFile(new URL(`../../examples/${path}`, import.meta.url), 'utf8');

describe('edited', () => {
  it('replaces each expected text once and fails when it is missing or repeated', () => {
    expect(edited('f', 'a b c', [{ from: 'b', to: 'x' }])).toBe('a x c');
    expect(() => edited('f', 'a c', [{ from: 'b', to: 'x' }])).toThrow('f: expected "b" once, found it 0 times');
    expect(() => edited('f', 'b b', [{ from: 'b', to: 'x' }])).toThrow('found it 2 times');
  });
});

describe('the files the .deb ships', () => {
  it('the unit runs /usr/bin/meshd with /etc/meshd/meshd.yaml', async () => {
    const unit = edited('meshd.service', await example('systemd/meshd.service'), UNIT_EDITS);
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/meshd run --config \/etc\/meshd\/meshd\.yaml$/m);
    expect(unit).toMatch(/^StateDirectory=meshd$/m);
  });

  it('/etc/meshd/meshd.yaml is a valid configuration with the package paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshd-conffile-'));
    const path = join(dir, 'meshd.yaml');
    await writeFile(path, edited('meshd.yaml', await example('meshd.yaml'), CONFIG_EDITS));
    const config = await loadConfig(path, {}, { homeDir: dir, cwd: dir, env: {}, plugins: BUILTIN_PLUGINS });
    expect({ directory: config.directory, chart: config.chart, stateDirectory: config.stateDirectory }).toEqual({
      directory: '/etc/meshd/multicluster',
      chart: '/usr/lib/meshd/chart',
      stateDirectory: '/var/lib/meshd',
    });
  });
});
