/** The reconcile pass: directory + config + live clusters → plan → (apply) → report. */
export { runPass } from './run.js';
export { planRegistry } from './registry-step.js';
export type { RegistryPlan } from './registry-step.js';
export type {
  ClusterReport,
  ClusterState,
  ComponentReport,
  ControlPlanePodSource,
  CredentialStatus,
  PassConfig,
  PassCredentials,
  PassOptions,
  PassPart,
  PassReport,
} from './types.js';
export { meshFromState, memberRecordOf, publishedOf } from './mesh-source.js';
export { mapLimit } from '../util/concurrency.js';
export { decideRemovals, type RemovalDecision } from './removals.js';
export { reportedErrors, type ReportedError } from './report-errors.js';
export { loadPlugins, pluginSection } from './load-plugins.js';
export { desiredInputsOf, observeAndPlan, observeAndPlanRemoval, planHoldsAfter, writesOf } from './components.js';
export type { CarriedPlan, ObserveOptions, PlanCarrier } from './components.js';
export { MeshObservations, meshTargetOf } from './mesh-observe.js';
export { prepareRemotes, type PrepareRemotesOptions } from './prepare.js';
export { descriptorBackend } from './remotes.js';
