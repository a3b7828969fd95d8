/** `@meshd/core/release`: the release engine: a component's objects as one release, its inventory, state, plan and execution. */
export * from './state.js';
export * from './choose.js';
export * from './hold.js';
export * from './steps.js';
export * from './inventory.js';
export * from './plan.js';
export * from './execute.js';
export * from './component.js';
export * from './inventory-mac.js';
export * from './observe.js';
export * from './engine.js';
export * from './watches.js';
