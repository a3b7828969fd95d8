/** Public API of @meshd/plugin-secrets. */
export { secretsPlugin } from './plugin.js';
export { SECRETS } from './component.js';
export { planSecrets, planSecretsRemoval, secretsConfigFor } from './component-plan.js';
export type { SecretsObserved, SecretsRemovalObserved, SecretsPlan, SecretsWork } from './component-plan.js';
export { secretsConfigSchema, secretsConfigKeys, secretsConfigOf, secretsOverrideSchema, selectSecretsConfig, effectiveConfig } from './config.js';
export type { SecretsConfig, SecretsOverride, EffectiveConfigResult } from './config.js';
export { secretPluginWatches, secretWatchSources } from './watch.js';
export type { SecretWatchSource } from './watch.js';
export { nameMatcher, isExactName, singleExactName, selectNamespaces } from './names.js';
export { COMPONENT_LABEL, COMPONENT_VALUE, OWNED_COPIES_SELECTOR, SOURCE_ANNOTATION, SOURCE_HASH_ANNOTATION, filterMetadata } from './metadata.js';
export { CA_SECRET, desiredCopy, sourceHash, whyNotCopied } from './desired.js';
export type { SourceSecret } from './desired.js';
export { desiredFromSources, copyScope } from './copies.js';
export type { ObservedSources, DesiredCopies } from './copies.js';
export { planSecretCopies } from './plan.js';
export type { ObservedRemote, NamespaceState, SecretsPlanInput, SecretsSteps } from './plan.js';
export { summarise } from './report.js';
export type { SecretsSummary } from './report.js';
