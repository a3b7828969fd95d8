/** Control-plane endpoint discovery: which Pilot, Mixer policy and statsd IPs remotes should use. */
export * from './components.js';
export * from './choose-pod.js';
export * from './pod-readiness.js';
export * from './endpoint-choice.js';
export * from './discover.js';
export * from './request-options.js';
export * from './next-move.js';
