// Test projects: `unit` (pure code, fast) and `integration` (real kube-apiservers from tools/testenv).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
/** @meshd/core's subpath exports (`./plan` → `./dist/plan/index.js`), each to its source file. */
const coreExports = (JSON.parse(readFileSync(src('./packages/core/package.json'), 'utf8')) as { exports: Record<string, { default: string }> }).exports;
const coreSubpaths = Object.entries(coreExports)
  .filter(([subpath]) => subpath !== '.')
  .map(([subpath, target]) => [
    `@meshd/core${subpath.slice(1)}`,
    src(`./packages/core/${target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')}`),
  ]);
const alias = {
  // Before '@meshd/core': the first matching prefix wins.
  ...Object.fromEntries(coreSubpaths),
  '@meshd/core': src('./packages/core/src/index.ts'),
  '@meshd/helm': src('./packages/helm/src/index.ts'),
  '@meshd/plugin-helm': src('./packages/plugin-helm/src/index.ts'),
  '@meshd/plugin-tiller': src('./packages/plugin-tiller/src/index.ts'),
  '@meshd/plugin-secrets': src('./packages/plugin-secrets/src/index.ts'),
  '@meshd/testenv/ports': src('./tools/testenv/src/ports.ts'),
  '@meshd/testenv': src('./tools/testenv/src/index.ts'),
  '@meshd/testkit': src('./tools/testkit/src/index.ts'),
  meshd: src('./packages/meshd/src/index.ts'),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'tools/testenv/src/**/*.test.ts',
            'scripts/release/**/*.test.ts',
            'scripts/architecture/**/*.test.ts',
            'bench/**/*.test.ts',
          ],
          // Property tests run hundreds of cases; on a loaded 2-core CI machine 5 s is not enough.
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.int.test.ts', 'tools/testenv/test/**/*.int.test.ts', 'test/**/*.int.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
