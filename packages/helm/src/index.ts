/**
 * @meshd/helm: everything meshd does with a helm binary, shared by both backends — running helm
 * (one runner), detecting its version, rendering a chart (`helm template`, once per distinct chart
 * and values), and the istio-remote values mapping. Neither backend imports the other.
 */
export * from './run/index.js';
export * from './istio-remote-values.js';
export * from './render/index.js';
