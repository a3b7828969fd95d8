import { buildDesiredMesh, type DesiredMesh } from './mesh.js';
import type { DirectorySnapshot } from './snapshot.js';
import type { DirectoryValidation } from './types.js';
import { validateDirectory, type ValidateDirectoryOptions } from './validate.js';

/**
 * One validation per directory snapshot and set of options, shared by everyone who validates that
 * snapshot: the daemon hands the same snapshot (one per directory generation) to the directory
 * source and to every key's pass, so a round over N clusters parses and validates the directory
 * once, not N times. A snapshot is immutable once built (snapshot.ts), and validation is pure, so
 * the shared verdict is the one each caller would have computed; callers must not mutate it.
 * Entries live as long as their snapshot (a WeakMap).
 */
const validations = new WeakMap<DirectorySnapshot, Map<string, DirectoryValidation>>();

/** validateDirectory, computed once per snapshot object and options (see above). Never throws. */
export function validateDirectoryOnce(snapshot: DirectorySnapshot, options: ValidateDirectoryOptions = {}): DirectoryValidation {
  const key = optionsKey(options);
  let bySnapshot = validations.get(snapshot);
  if (!bySnapshot) {
    bySnapshot = new Map();
    validations.set(snapshot, bySnapshot);
  }
  const known = bySnapshot.get(key);
  if (known) return known;
  const validation = validateDirectory(snapshot, options);
  bySnapshot.set(key, validation);
  return validation;
}

function optionsKey(options: ValidateDirectoryOptions): string {
  return JSON.stringify([options.registryMode ?? 'configmap', options.credentialsMode ?? 'minted', options.backends ?? null]);
}

/** The last mesh built from a validation, and the last good mesh it was built over. */
interface BuiltMesh {
  lastGood: DesiredMesh | undefined;
  mesh: DesiredMesh | undefined;
}

const meshes = new WeakMap<DirectoryValidation, BuiltMesh>();

/**
 * buildDesiredMesh, shared by the passes of one directory generation. Each pass hands back the mesh
 * the previous one produced as its last good mesh, and building a validation over its own result
 * gives that result again (the clusters kept from the last good mesh are the same ones, with the
 * same files), so the mesh is built once per validation and last good mesh it started from, and
 * every later pass gets the same object. Pure (a cache of a pure function).
 */
export function desiredMeshOf(validation: DirectoryValidation, lastGood: DesiredMesh | undefined): DesiredMesh | undefined {
  const built = meshes.get(validation);
  if (built && (lastGood === built.lastGood || (lastGood !== undefined && lastGood === built.mesh))) return built.mesh;
  const mesh = buildDesiredMesh(validation, lastGood);
  meshes.set(validation, { lastGood, mesh });
  return mesh;
}
