import { chmod, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One textual edit of a shipped file; the build fails when `from` is not there exactly once. */
export interface Edit {
  from: string;
  to: string;
}

/** Applies edits to a text, failing loudly when the text no longer says what the edit expects. */
export function edited(name: string, text: string, edits: readonly Edit[]): string {
  return edits.reduce((out, { from, to }) => {
    const count = out.split(from).length - 1;
    if (count !== 1) throw new Error(`${name}: expected ${JSON.stringify(from)} once, found it ${count} times`);
    return out.replace(from, to);
  }, text);
}

/** The unit of the .deb: examples/systemd/meshd.service with the packaged binary. */
export const UNIT_EDITS: readonly Edit[] = [{ from: 'ExecStart=/usr/local/bin/meshd ', to: 'ExecStart=/usr/bin/meshd ' }];

/** /etc/meshd/meshd.yaml of the .deb: examples/meshd.yaml with the paths of the package and the unit. */
export const CONFIG_EDITS: readonly Edit[] = [
  { from: '\ndirectory: ~/multicluster\n', to: '\ndirectory: /etc/meshd/multicluster\n' },
  { from: '\nchart: ./charts/istio-remote ', to: '\nchart: /usr/lib/meshd/chart     ' },
  { from: '\n#stateDirectory: /var/lib/meshd\n', to: '\nstateDirectory: /var/lib/meshd\n' },
];

/** What stageTree copies from the repository: the chart, the examples and the CLI bundle pair. */
export interface TreeSources {
  repo: string;
  launcher: string;
  cli: string;
  cache: string;
}

/**
 * Lays out `<prefix>/lib/meshd` (chart, examples with the unit, and with the launcher cli.cjs and its code cache cli.cache) and, when given,
 * `<prefix>/bin/meshd`: the tree the tarball ships as is and the .deb ships under /usr.
 */
export async function stageTree(prefix: string, src: TreeSources, opts: { bin: 'launcher' | 'none' }): Promise<void> {
  const lib = join(prefix, 'lib/meshd');
  await mkdir(lib, { recursive: true });
  await cp(join(src.repo, 'examples/charts/istio-remote'), join(lib, 'chart'), { recursive: true });
  for (const entry of ['meshd.yaml', 'multicluster', 'systemd']) {
    await cp(join(src.repo, 'examples', entry), join(lib, 'examples', entry), { recursive: true });
  }
  if (opts.bin === 'launcher') {
    await mkdir(join(prefix, 'bin'), { recursive: true });
    await cp(src.launcher, join(prefix, 'bin/meshd'));
    await chmod(join(prefix, 'bin/meshd'), 0o755);
    await cp(src.cli, join(lib, 'cli.cjs'));
    await cp(src.cache, join(lib, 'cli.cache'));
  }
}

/** Copies a text file through edits. */
export async function copyEdited(from: string, to: string, edits: readonly Edit[]): Promise<void> {
  await writeFile(to, edited(from, await readFile(from, 'utf8'), edits));
}
