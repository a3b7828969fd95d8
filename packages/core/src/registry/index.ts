/** `@meshd/core/registry`: the cluster registry on the control plane: what it should hold, what it holds, and Pilot's restart when it changes. */
export * from './desired.js';
export * from './observe.js';
export * from './restart-pilot.js';
