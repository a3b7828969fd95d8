/** meshd's version, printed by `meshd --version` (keep in step with packages/meshd/package.json). */
export const MESHD_VERSION = '0.1.0';
