// Moves files and fixes the relative imports that reach them: `tsx scripts/architecture/move-files.ts
// [--move]` applies DAEMON_FOLDERS (packages/meshd/src/daemon grouped by concern; `--move` also runs
// `git mv`), then rewrites, in packages, tools, bench, test and scripts, every relative import whose
// target moved, and every relative import of a moved file, in place. For merges: run it without
// `--move` on code written against the old paths (an import of `./queue.js` from a file now in
// `daemon/queue/`, or of `../daemon/status.js`) and the imports follow the files again.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A relative import in source text: `from './x.js'`, `import('./x.js')`, `import './x.js'`. */
const RELATIVE_IMPORT = /((?:from|import)\s*\(?\s*)'(\.{1,2}\/[^']+)'/g;

/** packages/meshd/src/daemon grouped by concern (issue 14 step 5), as `old → new` paths from the repository root. */
export const DAEMON_FOLDERS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    queue: [
      'queue',
      'queue.test',
      'backoff',
      'keys',
      'keys.test',
      'reconcile-key',
      'verdict',
      'verdict.test',
      'credential-timers',
      'credential-timers.test',
      'credential-rerun',
    ],
    watch: [
      'watch-dir',
      'watch-dir.test',
      'dir-presence',
      'dir-presence.test',
      'debounce',
      'debounce.test',
      'directory-source',
      'cluster-watches',
      'informers',
      'informers.test',
      'watch-cache',
      'watch-cache.test',
      'watch-specs',
      'daemon-watch-specs',
      'watch-filters',
      'watch-filters.test',
      'version-watch',
      'version-watch.test',
    ],
    status: [
      'status',
      'status.test',
      'status-state',
      'status-feed',
      'timeline',
      'timeline.test',
      'health',
      'health.test',
      'host-check',
      'host-check.test',
      'page.test',
      'page/page-css',
      'page/page-html',
      'page/page-script',
      'metrics',
      'istiod-sync',
      'reconcile-outcome',
    ],
    leader: ['leader', 'leader-election'],
    process: ['lifecycle', 'lifecycle.test', 'systemd', 'systemd.test', 'logger', 'abort', 'clock', 'sleep', 'manager', 'manager.test'],
  })
    .flatMap(([folder, files]) => files.map((f): [string, string] => [`packages/meshd/src/daemon/${f}.ts`, `packages/meshd/src/daemon/${folder}/${f}.ts`]))
    .concat([['packages/meshd/src/daemon/status-table.ts', 'packages/meshd/src/cli/commands/status-table.ts']]),
);

/** `to` as a relative import from a file in `fromDir` (`./x.js`, `../y/z.js`). Pure. */
function specifierOf(fromDir: string, to: string): string {
  const path = relative(fromDir, to).replace(/\.ts$/, '.js');
  return path.startsWith('.') ? path : `./${path}`;
}

/**
 * A file's text with its relative imports pointing where the files are now. `file` is where the
 * file is now, `movedFrom` where it was (itself, if it did not move); `moves` maps old to new paths
 * (absolute). Each import is read from where the file was: a target that moved gets its new path,
 * one that did not (it `exists` there) keeps its own, relative to the file's new place; an import
 * that means nothing from there (written against the new paths already) is left alone. Pure but
 * for `exists`.
 */
export function rewriteImports(
  text: string,
  where: { file: string; movedFrom: string },
  moves: ReadonlyMap<string, string>,
  exists: (path: string) => boolean,
): string {
  const { file, movedFrom } = where;
  return text.replace(RELATIVE_IMPORT, (whole, lead: string, spec: string) => {
    const target = resolve(dirname(movedFrom), spec.replace(/\.js$/, '.ts'));
    const now = moves.get(target) ?? (exists(target) ? target : undefined);
    return now === undefined ? whole : `${lead}'${specifierOf(dirname(file), now)}'`;
  });
}

/** The `.ts` files under `dir`, dist and node_modules skipped. */
function tsFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(full).isDirectory()) return tsFilesUnder(full);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [full] : [];
  });
}

function main(): void {
  const repo = fileURLToPath(new URL('../..', import.meta.url));
  const moves = new Map([...DAEMON_FOLDERS].map(([from, to]) => [join(repo, from), join(repo, to)]));
  if (process.argv.includes('--move'))
    for (const [from, to] of moves) {
      if (!existsSync(from)) continue;
      mkdirSync(dirname(to), { recursive: true });
      execFileSync('git', ['mv', from, to], { cwd: repo, stdio: 'inherit' });
    }
  const movedFrom = new Map([...moves].map(([from, to]) => [to, from]));
  const files = ['packages', 'tools', 'bench', 'test', 'scripts'].flatMap((d) => tsFilesUnder(join(repo, d)));
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const out = rewriteImports(text, { file, movedFrom: movedFrom.get(file) ?? file }, moves, existsSync);
    if (out === text) continue;
    writeFileSync(file, out);
    console.log(`rewrote ${relative(repo, file)}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
