/** `@meshd/core/compat`: aPI versions today's API servers removed, and the conversions of 2018-era objects to served ones. */
export * from './removed-apis.js';
export * from './convert.js';
