import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** One source file and the files of its own package it imports (relative imports, type-only included). */
export interface SourceFile {
  path: string;
  imports: string[];
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/g;

/** The `.ts` files under `dir`, tests and barrels excluded (a barrel re-exports, it depends on nothing), each with the relative imports it makes (resolved to `.ts` paths). */
export function sourceFiles(dir: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') && !isBarrel(full))
        files.push({ path: full, imports: importsOf(full) });
    }
  };
  walk(dir);
  return files;
}

/** An `index.ts`, or any file that only re-exports (`export … from`), such as a package's second entry point. */
function isBarrel(file: string): boolean {
  if (file.endsWith('/index.ts')) return true;
  const code = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('//'));
  return code.length > 0 && code.every((l) => /^export (\*|\{[^}]*\}|type \{[^}]*\}) from '/.test(l.trim()));
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
}

/** Every cycle in a graph given as adjacency lists, each once, as its node list (first node repeated at the end). Pure. */
export function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

/** The file graph and the folder graph (an edge when a file of one folder imports a file of another) of `files`. Pure. */
export function importGraphs(files: readonly SourceFile[], root: string): { files: Map<string, string[]>; folders: Map<string, string[]> } {
  const fileGraph = new Map<string, string[]>();
  const folderEdges = new Map<string, Set<string>>();
  for (const f of files) {
    const from = relative(root, f.path);
    fileGraph.set(
      from,
      f.imports.map((i) => relative(root, i)),
    );
    const folder = dirname(from);
    const targets = folderEdges.get(folder) ?? new Set<string>();
    for (const i of f.imports) if (dirname(relative(root, i)) !== folder) targets.add(dirname(relative(root, i)));
    folderEdges.set(folder, targets);
  }
  return { files: fileGraph, folders: new Map([...folderEdges].map(([k, v]) => [k, [...v].sort()])) };
}

/** One relative import: the importing file and the file it names (both absolute, `.ts`). */
export interface RelativeImport {
  from: string;
  to: string;
}

/** Every relative import of every `.ts` file under `dir` (tests included; dist and node_modules skipped). */
export function relativeImportsUnder(dir: string): RelativeImport[] {
  const found: RelativeImport[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (name === 'node_modules' || name === 'dist') continue;
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) found.push(...importsOf(full).map((to) => ({ from: full, to })));
    }
  };
  walk(dir);
  return found;
}

/**
 * The imports that reach into a workspace package from outside it (`from` not under the package's
 * folder, `to` under it), as `from → to` relative to `repo`: another package's src, dist or tests
 * are reached through its name and exports map, never by path. Pure.
 */
export function reachIns(imports: readonly RelativeImport[], workspaces: readonly string[], repo: string): string[] {
  const ownerOf = (file: string): string | undefined => workspaces.find((w) => relative(join(repo, w), file).split('/')[0] !== '..');
  return imports
    .filter((i) => ownerOf(i.to) !== undefined && ownerOf(i.to) !== ownerOf(i.from))
    .map((i) => `${relative(repo, i.from)} → ${relative(repo, i.to)}`);
}
