import type { PluginDefinition } from '@meshd/core';
import { helmTemplatePlugin } from '@meshd/plugin-helm';

/**
 * Every plugin meshd ships, in the order components run on a remote (the backend chosen per cluster
 * first, then addons in this order). The one place to register a plugin.
 */
export const BUILTIN_PLUGINS: readonly PluginDefinition<unknown>[] = [helmTemplatePlugin];
