// The package structure as the architecture asks for it: no import cycle between files or folders in
// any workspace package, and no backend package depending on another backend.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cyclesOf, importGraphs, reachIns, relativeImportsUnder, sourceFiles } from './imports.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const workspaces = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;

function dependenciesOf(workspace: string): string[] {
  const manifest = JSON.parse(readFileSync(join(repo, workspace, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(manifest.dependencies ?? {});
}

describe('cyclesOf', () => {
  it.each([
    { graph: { a: ['b'], b: ['c'], c: [] }, cycles: [] },
    { graph: { a: ['b'], b: ['a'] }, cycles: [['a', 'b', 'a']] },
    { graph: { a: ['a'] }, cycles: [['a', 'a']] },
    { graph: { a: ['b', 'c'], b: ['c'], c: ['a'] }, cycles: [['a', 'b', 'c', 'a']] },
  ])('$graph', ({ graph, cycles }) => {
    expect(cyclesOf(new Map(Object.entries(graph)))).toEqual(cycles);
  });
});

describe('reachIns', () => {
  const repoRoot = '/r';
  const ws = ['packages/core', 'packages/meshd', 'tools/testkit'];
  it.each([
    { from: '/r/bench/a.ts', to: '/r/packages/meshd/src/cli/main.ts', found: ['bench/a.ts → packages/meshd/src/cli/main.ts'] },
    { from: '/r/test/a.test.ts', to: '/r/packages/meshd/test/process/fixture.ts', found: ['test/a.test.ts → packages/meshd/test/process/fixture.ts'] },
    { from: '/r/packages/meshd/src/a.ts', to: '/r/packages/core/src/errors.ts', found: ['packages/meshd/src/a.ts → packages/core/src/errors.ts'] },
    { from: '/r/packages/meshd/src/a.ts', to: '/r/packages/meshd/src/b.ts', found: [] },
    { from: '/r/packages/meshd/test/a.test.ts', to: '/r/test/support/mesh.ts', found: [] },
    { from: '/r/test/a.test.ts', to: '/r/test/support/mesh.ts', found: [] },
  ])('$from → $to', ({ from, to, found }) => {
    expect(reachIns([{ from, to }], ws, repoRoot)).toEqual(found);
  });
});

describe('the repository', () => {
  it('reaches into no workspace package by relative path from outside it (packages, tools, bench, test)', () => {
    const imports = ['packages', 'tools', 'bench', 'test'].flatMap((d) => relativeImportsUnder(join(repo, d)));
    expect(imports.length).toBeGreaterThan(100);
    expect(reachIns(imports, workspaces, repo)).toEqual([]);
  });
});

describe.each(workspaces)('%s', (workspace) => {
  const root = join(repo, workspace, 'src');
  const graphs = importGraphs(sourceFiles(root), root);

  it('has no import cycle between its files', () => {
    expect(cyclesOf(graphs.files)).toEqual([]);
  });

  it('has no import cycle between its folders', () => {
    expect(cyclesOf(graphs.folders)).toEqual([]);
  });

  it('ships no test helper: no test-*.ts in src, and no shipped file imports the test kit or vitest', () => {
    if (workspace.startsWith('tools/')) return;
    const shipped = sourceFiles(root).map((f) => f.path);
    expect(shipped.filter((f) => /(^|\/)test-[^/]*\.ts$/.test(f))).toEqual([]);
    expect(shipped.filter((f) => /from '(@meshd\/testkit|@meshd\/testenv|vitest)'/.test(readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('loads @kubernetes/client-node only lazily: no shipped file but core/src/cluster/agent.ts imports it at run time (types only)', () => {
    // The one-shot CLI's start-up (issue 17): importing client-node at all evaluates its ~800
    // modules. core's request layer (cluster/http.ts) replaces it; agent.ts, reached only through
    // `await import()` for exec/auth-provider/proxy kubeconfigs and HTTP/1 watches, keeps it.
    if (workspace.startsWith('tools/')) return;
    const runtimeImport = /^(import|export)\s+(?!type\b)[^;]*from\s+'@kubernetes\/client-node'|import\('@kubernetes\/client-node'\)/m;
    const shipped = sourceFiles(root)
      .map((f) => f.path)
      .filter((f) => !f.endsWith('.test.ts') && !f.endsWith('cluster/agent.ts'));
    expect(shipped.filter((f) => runtimeImport.test(readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('depends on no other backend (backends are siblings on @meshd/helm and @meshd/core)', () => {
    if (!workspace.startsWith('packages/plugin-')) return;
    expect(dependenciesOf(workspace).filter((d) => d.startsWith('@meshd/plugin-'))).toEqual([]);
  });
});
