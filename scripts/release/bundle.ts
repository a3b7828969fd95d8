import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** The expression in pass-runner.ts that locates the chart inside the repository. */
const REPO_CHART = "new URL('../../../examples/charts/istio-remote', import.meta.url)";

/**
 * Points BUNDLED_CHART at the install (install-layout.ts) instead of the repository. Fails the build
 * when pass-runner.ts no longer holds the expression exactly once, rather than shipping a bundle
 * that looks for the chart in a source tree.
 */
const installedChart: Plugin = {
  name: 'meshd-installed-chart',
  setup(b) {
    b.onLoad({ filter: /packages[\\/]meshd[\\/]src[\\/]pass-runner\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const count = source.split(REPO_CHART).length - 1;
      if (count !== 1) throw new Error(`${args.path}: expected the bundled chart expression once, found it ${count} times`);
      const layout = JSON.stringify(fileURLToPath(new URL('./install-layout.ts', import.meta.url)));
      return { loader: 'ts', contents: `import { installedChartUrl as __meshdChartUrl } from ${layout};\n${source.replace(REPO_CHART, '__meshdChartUrl()')}` };
    });
  },
};

/** What bundleMeshd writes, and the commit its version line names. */
export interface BundleOptions {
  /** The launcher, `bin/meshd` of the tarball and the single executable's main script. */
  launcher: string;
  /** The CLI and daemon, `lib/meshd/cli.cjs`. */
  cli: string;
  commit: string;
  /** Minify (the default); bench/lib/bundle-modules.ts builds a readable one to count modules. */
  minify?: boolean;
  /** esbuild's metafile of the CLI bundle is written here when set. */
  metafile?: string;
  /** Write `<cli>.map` beside the CLI bundle (for profiling; the release has none). */
  sourcemap?: boolean;
}

/**
 * Bundles meshd into two CommonJS files (Node's single executables run CommonJS only): a launcher
 * that answers `--version` by itself and loads the rest on demand, and the CLI with every dependency
 * inlined (the workspace packages from source, client-node, fastify, pino with its streams, never
 * its worker-thread transports). Returns esbuild's warnings.
 */
export async function bundleMeshd(options: BundleOptions): Promise<string[]> {
  const common = {
    absWorkingDir: repo,
    bundle: true,
    platform: 'node',
    target: 'node20.19',
    format: 'cjs',
    minify: options.minify ?? true,
    // No keepNames: it wraps every function and class in a call that defines its `name`, which gives
    // each closure a property store of its own. The idle daemon at 500 clusters held 12.5 MB of them
    // (50 859 closures; RSS 264 MB against 240 MB without, bench/RESULTS.md). meshd reads no function
    // or class name: errors carry their own `name`, logs get messages, not Error objects.
    keepNames: false,
    legalComments: 'external',
    define: { MESHD_BUILD_COMMIT: JSON.stringify(options.commit) },
    logLevel: 'silent',
  } as const;
  const launcher = await build({
    ...common,
    entryPoints: [fileURLToPath(new URL('./launcher.ts', import.meta.url))],
    outfile: options.launcher,
    banner: { js: '#!/usr/bin/env node' },
  });
  const cli = await build({
    ...common,
    entryPoints: [`${repo}packages/meshd/src/cli/main.ts`],
    outfile: options.cli,
    // ws probes for these optional native speed-ups in try/catch.
    external: ['bufferutil', 'utf-8-validate'],
    alias: {
      '@meshd/core/offline': `${repo}packages/core/src/offline.ts`,
      '@meshd/core/cluster': `${repo}packages/core/src/cluster/index.ts`,
      '@meshd/core/kube': `${repo}packages/core/src/kube/index.ts`,
      '@meshd/core/apply': `${repo}packages/core/src/apply/index.ts`,
      '@meshd/core/plan': `${repo}packages/core/src/plan/index.ts`,
      '@meshd/core/release': `${repo}packages/core/src/release/index.ts`,
      '@meshd/core/registry': `${repo}packages/core/src/registry/index.ts`,
      '@meshd/core/discovery': `${repo}packages/core/src/discovery/index.ts`,
      '@meshd/core/prereq': `${repo}packages/core/src/prereq/index.ts`,
      '@meshd/core/descriptor': `${repo}packages/core/src/descriptor/index.ts`,
      '@meshd/core/state': `${repo}packages/core/src/state/index.ts`,
      '@meshd/core/compat': `${repo}packages/core/src/compat/index.ts`,
      '@meshd/core/credentials': `${repo}packages/core/src/credentials/index.ts`,
      '@meshd/core/util': `${repo}packages/core/src/util/index.ts`,
      '@meshd/core': `${repo}packages/core/src/index.ts`,
      '@meshd/helm': `${repo}packages/helm/src/index.ts`,
      '@meshd/plugin-helm': `${repo}packages/plugin-helm/src/index.ts`,
      '@meshd/plugin-tiller': `${repo}packages/plugin-tiller/src/index.ts`,
      '@meshd/plugin-secrets': `${repo}packages/plugin-secrets/src/index.ts`,
    },
    plugins: [installedChart],
    metafile: options.metafile !== undefined,
    ...(options.sourcemap === true ? { sourcemap: 'external' as const } : {}),
  });
  if (options.metafile !== undefined && cli.metafile) await writeFile(options.metafile, JSON.stringify(cli.metafile));
  if (options.minify ?? true) await requireAscii(options.cli); // a readable build keeps comments, which may not be
  return [...launcher.warnings, ...cli.warnings].map((w) => `${w.location ? `${w.location.file}:${w.location.line}: ` : ''}${w.text}`);
}

/**
 * Fails the build when the CLI bundle holds a byte over 0x7f: the launcher decodes it as Latin-1
 * (load-cli.ts), which is only the same text for ASCII, and V8 holds ASCII source as one byte per
 * character.
 */
async function requireAscii(path: string): Promise<void> {
  const bytes = await readFile(path);
  const at = bytes.findIndex((byte) => byte > 0x7f);
  if (at >= 0)
    throw new Error(
      `${path}: byte ${at} is over 0x7f (near ${JSON.stringify(bytes.subarray(Math.max(0, at - 40), at + 10).toString())}); the bundle must be ASCII`,
    );
}
