import { ANNOTATIONS } from './annotations.js';
import { errorAt, type Finding, type Position } from './finding.js';
import type { ClusterDocument } from './validate-document.js';

/** Findings that involve several files: per-document ones (the file becomes invalid) and directory-wide ones. */
export interface CrossFileFindings {
  fileFindings: Finding[];
  directoryErrors: Finding[];
}

function at(cluster: ClusterDocument, path: readonly string[]): Position {
  return cluster.doc.locate(path);
}

function place(cluster: ClusterDocument, path: readonly string[]): string {
  const pos = at(cluster, path);
  return `${cluster.file}:${pos.line}:${pos.col}`;
}

const NAME_PATH = ['metadata', 'name'];
const STORE_PATH = ['metadata', 'annotations', ANNOTATIONS.pilotCfgStore];
const ENDPOINT_PATH = ['metadata', 'annotations', ANNOTATIONS.pilotEndpoint];

/**
 * Checks across every Cluster document of the directory, valid or not: unique names, exactly one
 * control plane, one pilotEndpoint everywhere. `someFileOpaque` says a file could not be read far
 * enough to know whether it meant to be the control plane: then "no control plane" is not claimed.
 */
export function crossFileFindings(clusters: readonly ClusterDocument[], someFileOpaque: boolean): CrossFileFindings {
  const fileFindings = [...duplicateNames(clusters), ...differentEndpoints(clusters)];
  const directoryErrors: Finding[] = [];
  const claims = clusters.filter((c) => c.controlPlane);
  if (claims.length > 1) {
    for (const claim of claims) {
      const others = claims.filter((c) => c !== claim).map((c) => `${c.name ?? '?'} (${place(c, STORE_PATH)})`);
      const message = `more than one control plane: ${ANNOTATIONS.pilotCfgStore} is true here and on ${others.join(', ')}; exactly one cluster may set it`;
      directoryErrors.push(errorAt(claim.file, at(claim, STORE_PATH), message, ANNOTATIONS.pilotCfgStore));
    }
  } else if (claims.length === 0 && !someFileOpaque) {
    const message = `no control plane: exactly one cluster must set ${ANNOTATIONS.pilotCfgStore}: true`;
    directoryErrors.push({ file: '', line: 0, col: 0, severity: 'error', message });
  }
  return { fileFindings, directoryErrors };
}

function duplicateNames(clusters: readonly ClusterDocument[]): Finding[] {
  const byName = new Map<string, ClusterDocument[]>();
  for (const c of clusters) {
    if (c.name === undefined) continue;
    byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
  }
  const findings: Finding[] = [];
  for (const [name, group] of byName) {
    if (group.length < 2) continue;
    for (const c of group) {
      const others = group.filter((o) => o !== c).map((o) => place(o, NAME_PATH));
      findings.push(
        errorAt(c.file, at(c, NAME_PATH), `cluster name ${JSON.stringify(name)} is defined more than once: also at ${others.join(', ')}`, 'metadata.name'),
      );
    }
  }
  return findings;
}

function differentEndpoints(clusters: readonly ClusterDocument[]): Finding[] {
  const claims = clusters.filter((c) => c.controlPlane);
  const controlPlane = claims[0];
  if (claims.length !== 1 || controlPlane?.pilotEndpoint === undefined) return [];
  const expected = controlPlane.pilotEndpoint;
  return clusters
    .filter((c) => c.pilotEndpoint !== undefined && c.pilotEndpoint !== expected && !c.findings.some((f) => f.field === ANNOTATIONS.pilotEndpoint))
    .map((c) =>
      errorAt(
        c.file,
        at(c, ENDPOINT_PATH),
        `${ANNOTATIONS.pilotEndpoint} is ${JSON.stringify(c.pilotEndpoint)} but the control plane ${controlPlane.name ?? ''} (${controlPlane.file}) has ${JSON.stringify(expected)}: Pilot only joins clusters whose pilotEndpoint is the same string`,
        ANNOTATIONS.pilotEndpoint,
      ),
    );
}
