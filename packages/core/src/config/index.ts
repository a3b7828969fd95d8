/** meshd.yaml: schema, defaults, parsing (pure) and loading (I/O). */
export { formatDuration, parseDuration } from './duration.js';
export { DEFAULT_CONFIG_PATHS, defaultStateDirectory, loadConfig, resolvePath, type LoadConfigOptions } from './load.js';
export { COMMAND_LINE, mergeOverrides, parseConfigText, type ConfigParseResult } from './parse.js';
export { checkedString, dnsLabel, duration, ipAddress, listenAddress } from './fields.js';
export { backendNames, type ConfigPlugin, type PluginConfigKeys } from './plugin-keys.js';
export { validateWithoutCompiling } from './validation-mode.js';
export { meshdConfigSchemaFor, type BackendName, type ClusterOverride, type MeshdConfig, type MeshdConfigInput } from './schema.js';
