// Puts every name imported from @meshd/core (or one of its subpaths) on the entry point that exports
// it: `tsx scripts/architecture/core-imports.ts` rewrites the import lines of packages, tools, bench,
// test and scripts in place and lists the names no entry point exports. For merges: code written
// against the old, whole index (`import { planRelease } from '@meshd/core'`) gets its subpaths.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** One import declaration from @meshd/core: where it stands in the file and what it names. */
export interface CoreImport {
  start: number;
  end: number;
  typeOnly: boolean;
  /** Each element as written (`type X`, `X as Y`) with the name it imports. */
  elements: { text: string; name: string }[];
}

/** The import declarations from `@meshd/core` or `@meshd/core/…` (not `/offline`) with named bindings in a file's text. Pure. */
export function coreImportsOf(text: string): CoreImport[] {
  const sf = ts.createSourceFile('x.ts', text, ts.ScriptTarget.ES2022, true);
  const found: CoreImport[] = [];
  for (const st of sf.statements) {
    // `/offline` is chosen for what it leaves out (the Kubernetes client): its imports stay as they are.
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || !/^@meshd\/core(\/(?!offline$)|$)/.test(st.moduleSpecifier.text)) continue;
    const bindings = st.importClause?.namedBindings;
    if (bindings === undefined || !ts.isNamedImports(bindings)) continue;
    const elements = bindings.elements.map((el) => ({ text: el.getText(sf), name: (el.propertyName ?? el.name).text }));
    found.push({ start: st.getStart(sf), end: st.getEnd(), typeOnly: st.importClause?.isTypeOnly === true, elements });
  }
  return found;
}

/**
 * The import lines that put each element of `imp` on the entry point `entryOf` names (the entry
 * point it has now when `entryOf` knows no such name, listed in `unknown`), in first-seen order. Pure.
 */
export function regroup(imp: CoreImport, current: string, entryOf: ReadonlyMap<string, string>, unknown: string[] = []): string {
  const groups = new Map<string, string[]>();
  for (const el of imp.elements) {
    const entry = entryOf.get(el.name);
    if (entry === undefined) unknown.push(el.name);
    groups.set(entry ?? current, [...(groups.get(entry ?? current) ?? []), el.text]);
  }
  const keyword = imp.typeOnly ? 'import type' : 'import';
  return [...groups].map(([entry, names]) => `${keyword} { ${names.join(', ')} } from '${entry}';`).join('\n');
}

/** Each name @meshd/core's entry points export, with the first entry point exporting it: the index first, `/offline` never. */
export function coreEntryPoints(repo: string): Map<string, string> {
  const manifest = JSON.parse(readFileSync(join(repo, 'packages/core/package.json'), 'utf8')) as { exports: Record<string, { default: string }> };
  const entries = Object.entries(manifest.exports)
    .filter(([subpath]) => subpath !== './offline')
    .map(([subpath, target]) => ({
      name: `@meshd/core${subpath.slice(1)}`,
      file: join(repo, 'packages/core', target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')),
    }));
  const program = ts.createProgram(
    entries.map((e) => e.file),
    { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true, skipLibCheck: true },
  );
  const checker = program.getTypeChecker();
  const entryOf = new Map<string, string>();
  for (const entry of entries) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entry.file)!);
    for (const symbol of module === undefined ? [] : checker.getExportsOfModule(module)) if (!entryOf.has(symbol.name)) entryOf.set(symbol.name, entry.name);
  }
  return entryOf;
}

/** The `.ts` files under `dir`, dist and node_modules skipped. */
function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(full).isDirectory()) return tsFilesUnder(full);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Rewrites one file's @meshd/core imports; true when it changed. */
function rewriteFile(file: string, entryOf: ReadonlyMap<string, string>, unknown: string[]): boolean {
  const text = readFileSync(file, 'utf8');
  let out = text;
  for (const imp of coreImportsOf(text).reverse()) {
    const current = /from '([^']+)'/.exec(text.slice(imp.start, imp.end))?.[1] ?? '@meshd/core';
    out = out.slice(0, imp.start) + regroup(imp, current, entryOf, unknown) + out.slice(imp.end);
  }
  if (out !== text) writeFileSync(file, out);
  return out !== text;
}

/** Rewrites every consumer's imports (core's own src excluded) and prints what it did. */
function main(): void {
  const repo = fileURLToPath(new URL('../..', import.meta.url));
  const entryOf = coreEntryPoints(repo);
  const files = ['packages', 'tools', 'bench', 'test', 'scripts']
    .flatMap((d) => tsFilesUnder(join(repo, d)))
    .filter((f) => !f.startsWith(join(repo, 'packages/core/src')));
  const unknown: string[] = [];
  const changed = files.filter((f) => rewriteFile(f, entryOf, unknown));
  for (const f of changed) console.log(`rewrote ${relative(repo, f)}`);
  if (unknown.length > 0) console.log(`exported by no entry point of @meshd/core: ${[...new Set(unknown)].join(', ')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
