import { warningAt, type Finding } from './finding.js';
import { parseYamlText } from './yaml-source.js';

/** One thing in a kubeconfig a current istiod refuses (or cannot use from inside its pod). */
export interface IstiodProblem {
  /** YAML path of the offending field. */
  path: (string | number)[];
  /** Why, in istiod's words where it has them ("exec is not allowed"). */
  reason: string;
  /** True when meshd can inline it (a file path on the bastion it can read). */
  inlinable: boolean;
}

/** Fields holding a local file path, and the inline field each becomes. */
export const FILE_FIELDS = {
  users: { 'client-certificate': 'client-certificate-data', 'client-key': 'client-key-data', tokenFile: 'token' },
  clusters: { 'certificate-authority': 'certificate-authority-data' },
} as const;

function entries(list: unknown): { index: number; body: Record<string, unknown> }[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item: unknown, index) => {
    const body = item !== null && typeof item === 'object' ? (item as Record<string, unknown>)[Object.hasOwn(item, 'user') ? 'user' : 'cluster'] : undefined;
    return body !== null && typeof body === 'object' ? [{ index, body: body as Record<string, unknown> }] : [];
  });
}

/**
 * Pure: what in a parsed kubeconfig a current istiod refuses ("kubeconfig is not allowed: …"):
 * exec credential plugins, auth providers (gcp, azure, openstack, any), and file paths (client-key,
 * client-certificate, tokenFile; a certificate-authority path passes its check but does not exist in
 * istiod's pod). Every user and cluster is checked, as istiod does, not only the current context's.
 */
export function istiodProblems(kubeconfig: unknown): IstiodProblem[] {
  if (kubeconfig === null || typeof kubeconfig !== 'object') return [];
  const k = kubeconfig as Record<string, unknown>;
  return [
    ...entries(k.users).flatMap(({ index, body }) => userProblems(index, body)),
    ...entries(k.clusters).flatMap(({ index, body }) => clusterProblems(index, body)),
  ];
}

/** What istiod refuses in one kubeconfig user: an exec plugin, an auth provider, file paths (in that order). */
function userProblems(index: number, body: Record<string, unknown>): IstiodProblem[] {
  const problems: IstiodProblem[] = [];
  if (body.exec !== undefined && body.exec !== null)
    problems.push({ path: ['users', index, 'user', 'exec'], reason: 'exec is not allowed (an exec credential plugin)', inlinable: false });
  const provider = body['auth-provider'];
  if (provider !== undefined && provider !== null) {
    const name = typeof (provider as { name?: unknown }).name === 'string' ? (provider as { name: string }).name : 'unnamed';
    problems.push({ path: ['users', index, 'user', 'auth-provider'], reason: `auth provider ${JSON.stringify(name)} is not allowed`, inlinable: false });
  }
  for (const field of Object.keys(FILE_FIELDS.users)) {
    if (typeof body[field] === 'string' && body[field] !== '')
      problems.push({ path: ['users', index, 'user', field], reason: `${field} is a file path, not allowed (inline data only)`, inlinable: true });
  }
  return problems;
}

/** What istiod cannot use in one kubeconfig cluster: a certificate-authority file path. */
function clusterProblems(index: number, body: Record<string, unknown>): IstiodProblem[] {
  if (typeof body['certificate-authority'] !== 'string' || body['certificate-authority'] === '') return [];
  return [
    {
      path: ['clusters', index, 'cluster', 'certificate-authority'],
      reason: "certificate-authority is a file path, which does not exist in istiod's pod",
      inlinable: true,
    },
  ];
}

/**
 * Pure: validation warnings for a kubeconfig meshd would publish as-is (`credentials.mode: operator`),
 * each at the offending field, naming the file and the reason. Never quotes values (credentials).
 */
export function istiodKubeconfigFindings(file: string, text: string): Finding[] {
  const parsed = parseYamlText(file, text);
  const doc = parsed.documents[0];
  if (doc === undefined) return [];
  return istiodProblems(doc.value).map((p) =>
    warningAt(
      file,
      doc.locate(p.path, 'key'),
      `Pilot/istiod cannot use ${file} as published (credentials.mode operator): ${p.reason}${p.inlinable ? '; meshd inlines the file when it can read it' : '; use credentials.mode minted'}`,
    ),
  );
}
