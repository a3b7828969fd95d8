import type { PluginDefinition } from '@meshd/core';
import { helmTemplatePlugin } from '@meshd/plugin-helm';
import { tillerPlugin } from '@meshd/plugin-tiller';
import { secretsPlugin } from '@meshd/plugin-secrets';

/**
 * Every plugin meshd ships. On a remote, addons ordered `before-backend` run first, then the backend
 * chosen for the cluster, then the other addons; removal runs in reverse. The one place to register a
 * plugin.
 */
export const BUILTIN_PLUGINS: readonly PluginDefinition<unknown>[] = [helmTemplatePlugin, tillerPlugin, secretsPlugin];
