/** meshd's version, printed by `meshd --version` (keep in step with packages/meshd/package.json). */
export const MESHD_VERSION = '0.1.0';

// Replaced by a string literal when `npm run dist` bundles meshd (esbuild `define`); undeclared at run time otherwise.
declare const MESHD_BUILD_COMMIT: string | undefined;

/** The git commit a `npm run dist` build was made from; undefined when meshd runs from the repository. */
export const MESHD_COMMIT: string | undefined = typeof MESHD_BUILD_COMMIT === 'string' ? MESHD_BUILD_COMMIT : undefined;

/** What a dist build prints for `meshd --version`: `0.1.0 (commit 0123abcd…)`; the bare version from source. */
export function versionText(): string {
  return MESHD_COMMIT === undefined ? MESHD_VERSION : `${MESHD_VERSION} (commit ${MESHD_COMMIT})`;
}
