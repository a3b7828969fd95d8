/**
 * Public API of the meshd package: the CLI to run in-process (what `bin/meshd.js` runs, for an
 * embedding program or a test), its version, the plugins it ships, one pass run the way the CLI runs
 * it (with the plugin list of your choice: `runCommandPass`), and the helm probe one pass uses.
 * The daemon's internals are not part of it.
 */
export { main } from './cli/main.js';
export type { CliIo } from './io.js';
export { MESHD_VERSION, MESHD_COMMIT, versionText } from './cli/version.js';
export { BUILTIN_PLUGINS } from './plugins.js';
export { probeHelm, runCommandPass, loadInvocationConfig, type PassInvocation } from './pass-runner.js';
export { REGISTRY_KEY } from './daemon/queue/keys.js';
export { addSnapshotCredentials, Redactor } from './output/redact.js';
