import { displayServer } from '../cluster/display.js';
import * as z from 'zod';
import { describeKind } from './describe-value.js';
import { errorAt, hasErrors, START_OF_FILE, type Finding } from './finding.js';
import { parseYamlText, type YamlDocument } from './yaml-source.js';
import { issuesToFindings, redactedPredicateErrorMap } from './zod-findings.js';
import { TextMemo } from '../util/text-memo.js';
import { isHeaderText } from '../cluster/header-text.js';
import { rememberKubeconfigValue } from '../cluster/kubeconfig-value.js';

/** The parts of a kubeconfig meshd relies on; everything else (preferences, extensions) passes. */
const kubeconfigSchema = z.looseObject({
  apiVersion: z.literal('v1').optional(),
  kind: z.literal('Config').optional(),
  clusters: z.array(z.looseObject({ name: z.string().min(1), cluster: z.looseObject({ server: z.string().min(1) }) })).min(1),
  contexts: z.array(z.looseObject({ name: z.string().min(1), context: z.looseObject({ cluster: z.string().min(1), user: z.string().optional() }) })).min(1),
  users: z.array(z.looseObject({ name: z.string().min(1), user: z.looseObject({}).nullish() })).nullish(),
  'current-context': z.string().min(1),
});

type Kubeconfig = z.output<typeof kubeconfigSchema>;

/** What validateKubeconfig found: findings located in the kubeconfig file, and the server it targets. */
export interface KubeconfigCheck {
  findings: Finding[];
  /** The API server URL of the current context's cluster, when valid. */
  server?: string;
}

/**
 * Checks that `text` is a kubeconfig meshd can use: clusters, contexts and users lists, a
 * `current-context` naming an existing context whose cluster (and user, if set) exist, and an
 * http(s) server URL. Messages name clusters, contexts and users but never quote other values (they may be credentials). Never throws.
 */
export function validateKubeconfig(file: string, text: string): KubeconfigCheck {
  const check = checked.get(file, text, () => checkKubeconfig(file, text));
  return { ...check, findings: [...check.findings] };
}

/**
 * What validateKubeconfig found for a file name and text, kept: a pass checks each kubeconfig of
 * the directory and again of the mesh remembered in the state directory (the same text), and the
 * daemon checks the same texts every pass. 4096 entries hold a 1000-cluster mesh's two readings.
 */
const checked = new TextMemo<KubeconfigCheck>(4096);

function checkKubeconfig(file: string, text: string): KubeconfigCheck {
  const parsed = parseYamlText(file, text);
  if (hasErrors(parsed.findings)) return { findings: parsed.findings };
  const [doc, extra] = parsed.documents;
  if (doc === undefined) return { findings: [errorAt(file, START_OF_FILE, 'kubeconfig is empty')] };
  if (extra !== undefined) return { findings: [errorAt(file, extra.locate([]), 'a kubeconfig must be a single YAML document')] };
  if (typeof doc.value !== 'object' || doc.value === null || Array.isArray(doc.value))
    return {
      findings: [
        errorAt(file, doc.locate([]), `this file is not a kubeconfig: expected a mapping with clusters, contexts and users, got ${describeKind(doc.value)}`),
      ],
    };
  const result = kubeconfigSchema.safeParse(doc.value, { error: redactedPredicateErrorMap });
  rememberKubeconfigValue(text, doc.value);
  if (!result.success) {
    const findings = issuesToFindings(file, doc, result.error.issues, () => []).map((f) => ({ ...f, message: `kubeconfig ${f.message}` }));
    return { findings };
  }
  return checkCurrentContext(file, doc, result.data);
}

function checkCurrentContext(file: string, doc: YamlDocument, config: Kubeconfig): KubeconfigCheck {
  const currentName = config['current-context'];
  const contextIndex = config.contexts.findIndex((c) => c.name === currentName);
  const context = config.contexts[contextIndex]?.context;
  if (context === undefined) {
    const names = config.contexts.map((c) => JSON.stringify(c.name)).join(', ');
    return {
      findings: [
        errorAt(file, doc.locate(['current-context']), `kubeconfig current-context ${JSON.stringify(currentName)} is not one of its contexts (${names})`),
      ],
    };
  }
  const contextPath = ['contexts', contextIndex, 'context'];
  const clusterIndex = config.clusters.findIndex((c) => c.name === context.cluster);
  const findings = contextReferenceFindings(file, doc, config, { context, contextPath, clusterIndex });
  findings.push(...proxyFindings(file, doc, config, clusterIndex), ...impersonationFindings(file, doc, config, context.user));
  const server = config.clusters[clusterIndex]?.cluster.server;
  if (server !== undefined && !isServerUrl(server))
    findings.push(
      errorAt(file, doc.locate(['clusters', clusterIndex, 'cluster', 'server']), `kubeconfig server must be an http(s) URL such as "https://192.0.2.1:6443"`),
    );
  return findings.length > 0 || server === undefined ? { findings } : { findings, server: displayServer(server) };
}

/** The current context, where it sits in the file, and the index of its cluster (-1 when missing). */
interface CurrentContextAt {
  context: Kubeconfig['contexts'][number]['context'];
  contextPath: (string | number)[];
  clusterIndex: number;
}

/** Errors for a current context naming a cluster (at `clusterIndex`, -1 when missing) or user the kubeconfig does not have. */
function contextReferenceFindings(file: string, doc: YamlDocument, config: Kubeconfig, at: CurrentContextAt): Finding[] {
  const currentName = config['current-context'];
  const { context } = at;
  const findings: Finding[] = [];
  if (at.clusterIndex < 0)
    findings.push(
      errorAt(
        file,
        doc.locate([...at.contextPath, 'cluster']),
        `kubeconfig context ${JSON.stringify(currentName)} names cluster ${JSON.stringify(context.cluster)}, which is not in its clusters`,
      ),
    );
  if (context.user !== undefined && context.user !== '' && !(config.users ?? []).some((u) => u.name === context.user))
    findings.push(
      errorAt(
        file,
        doc.locate([...at.contextPath, 'user']),
        `kubeconfig context ${JSON.stringify(currentName)} names user ${JSON.stringify(context.user)}, which is not in its users`,
      ),
    );
  return findings;
}

function isServerUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A cluster's `proxy-url` other than an http:// or https:// (HTTP CONNECT) proxy: meshd does not speak it. */
function proxyFindings(file: string, doc: YamlDocument, config: Kubeconfig, clusterIndex: number): Finding[] {
  const proxy = config.clusters[clusterIndex]?.cluster['proxy-url'];
  if (proxy === undefined) return [];
  const at = doc.locate(['clusters', clusterIndex, 'cluster', 'proxy-url']);
  if (typeof proxy !== 'string' || !isServerUrl(proxy)) {
    const scheme = typeof proxy === 'string' ? /^([a-z][a-z0-9+.-]*):/i.exec(proxy)?.[1] : undefined;
    const what =
      scheme === undefined || /^https?$/i.test(scheme) ? 'kubeconfig proxy-url must be a URL' : `kubeconfig proxy-url: ${scheme} proxies are not supported`;
    return [errorAt(file, at, `${what}; use an http:// or https:// proxy that speaks HTTP CONNECT`)];
  }
  return [];
}

const isTextList = (v: unknown): boolean => Array.isArray(v) && v.every(isHeaderText);
const isExtraMap = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.entries(v).every(([k, values]) => isHeaderText(k) && isTextList(values));

/** Each impersonation field, the shape it must have, and what its finding says otherwise. */
const IMPERSONATION_FIELDS: readonly (readonly [string, (v: unknown) => boolean, string])[] = [
  ['as', isHeaderText, 'must be a non-empty single-line string'],
  ['as-uid', isHeaderText, 'must be a non-empty single-line string'],
  ['as-groups', isTextList, 'must be a list of single-line strings'],
  ['as-user-extra', isExtraMap, 'must map single-line keys to lists of single-line strings'],
];

/** The current user's impersonation fields (`as`, `as-uid`, `as-groups`, `as-user-extra`): their shapes, and `as` present when any other is. */
function impersonationFindings(file: string, doc: YamlDocument, config: Kubeconfig, userName: string | undefined): Finding[] {
  const userIndex = (config.users ?? []).findIndex((u) => u.name === userName);
  const user = (config.users ?? [])[userIndex]?.user;
  if (!user) return [];
  const finding = (field: string, what: string): Finding =>
    errorAt(file, doc.locate(['users', userIndex, 'user', field]), `kubeconfig user ${JSON.stringify(userName)}: "${field}" ${what}`);
  const present = IMPERSONATION_FIELDS.filter(([field]) => user[field] !== undefined);
  const findings = present.filter(([field, ok]) => !ok(user[field])).map(([field, , what]) => finding(field, what));
  const others = present.filter(([field]) => field !== 'as');
  if ((user.as === undefined || user.as === null) && others[0]) findings.push(finding(others[0][0], 'impersonates without "as" (the user to impersonate)'));
  return findings;
}
