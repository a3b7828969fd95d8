import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chartDigest, listChartFiles } from './digest.js';

let dir: string;

async function write(relative: string, content: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, relative)), { recursive: true });
  await writeFile(path.join(dir, relative), content);
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'meshd-digest-test-'));
  await write('Chart.yaml', 'name: c\nversion: 1.0.0\n');
  await write('values.yaml', 'a: 1\n');
  await write('templates/svc.yaml', 'kind: Service\n');
  await write('charts/sub/Chart.yaml', 'name: sub\n');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('chartDigest', () => {
  it('lists chart files sorted, without dot-files or dot-directories', async () => {
    await write('.helmignore', '*.bak\n');
    await write('.git/HEAD', 'ref: main\n');
    await write('templates/.svc.yaml.swp', 'x');
    expect(await listChartFiles(dir)).toEqual(['Chart.yaml', 'charts/sub/Chart.yaml', 'templates/svc.yaml', 'values.yaml']);
  });

  it('is stable, and ignores dot-files', async () => {
    const before = await chartDigest(dir);
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    await write('.git/HEAD', 'ref: other\n');
    await write('templates/.#svc.yaml', 'editor lock');
    expect(await chartDigest(dir)).toBe(before);
  });

  it.each([
    ['a template changes', () => write('templates/svc.yaml', 'kind: Service \n')],
    ['a subchart file changes', () => write('charts/sub/Chart.yaml', 'name: sub2\n')],
    ['a file is added', () => write('templates/extra.yaml', '')],
    [
      'a file is renamed',
      async () => {
        await rm(path.join(dir, 'values.yaml'));
        await write('values2.yaml', 'a: 1\n');
      },
    ],
  ])('changes when %s', async (_what, change) => {
    const before = await chartDigest(dir);
    await change();
    expect(await chartDigest(dir)).not.toBe(before);
  });

  it('does not confuse content moved between files', async () => {
    const one = await chartDigest(dir);
    await write('values.yaml', '');
    await write('templates/svc.yaml', 'kind: Service\na: 1\n');
    expect(await chartDigest(dir)).not.toBe(one);
  });

  it('follows symbolic links', async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'meshd-digest-link-'));
    try {
      await writeFile(path.join(other, 'cm.yaml'), 'kind: ConfigMap\n');
      await symlink(other, path.join(dir, 'templates', 'linked'));
      expect(await listChartFiles(dir)).toContain('templates/linked/cm.yaml');
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
