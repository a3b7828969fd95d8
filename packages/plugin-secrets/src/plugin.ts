import { definePlugin } from '@meshd/core';
import { secretPluginWatches } from './watch.js';
import { createSecretsComponent, SECRETS } from './component.js';
import { secretsConfigKeys, secretsConfigSchema, selectSecretsConfig } from './config.js';
import type { SecretsConfig } from './config.js';

/**
 * The secrets addon: keeps a copy of each configured secret (istio.default by default) of each
 * application namespace of the control plane in the same namespace of every remote, following
 * rotations and undoing drift; optionally copies the CA secret (copyCaSecret). It writes only when a
 * source's hash differs from its copy's, deletes only copies it owns, and keeps no state of its own.
 */
export const secretsPlugin = definePlugin<SecretsConfig>({
  name: SECRETS,
  kind: 'addon',
  // Before the backend: with copyCaSecret, the CA copy must exist when istio-remote's Citadel first starts.
  order: 'before-backend',
  configKeys: secretsConfigKeys,
  configSchema: secretsConfigSchema,
  selectConfig: selectSecretsConfig,
  needs: [],
  watches: (config, { clusters }) => secretPluginWatches(config, clusters),
  create: createSecretsComponent,
});
