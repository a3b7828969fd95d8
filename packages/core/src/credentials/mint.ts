import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ClusterClient } from '../cluster/client.js';
import { isNotFound } from '../cluster/client.js';
import { MeshdError } from '../errors.js';
import type { BindingRef } from '../state/credential-records.js';
import { credentialLabels } from './reader-rbac.js';
import { checkCaPem, checkToken, checkTokenRequestStatus } from './token-response.js';

/** Annotation naming the ServiceAccount a binding object belongs to. */
export const CREDENTIAL_FOR_ANNOTATION = 'meshd.io/credential-for';
const LEGACY_TOKEN_WAIT_MS = 15_000;

/** What to mint on one cluster. */
export interface MintRequest {
  client: ClusterClient;
  serviceAccount: string;
  namespace: string;
  lifetimeMs: number;
  /** Clusters without TokenRequest: a kubernetes.io/service-account-token Secret. */
  legacy: boolean;
  now: Date;
}

/** A freshly minted credential: the token, and the object whose deletion revokes it. */
export interface MintedToken {
  kind: 'token-request' | 'legacy-token';
  binding: BindingRef;
  token: string;
  expiresAt?: Date;
}

function bindingSecret(r: MintRequest): Record<string, unknown> {
  const name = `${r.serviceAccount}-${randomBytes(3).toString('hex')}`;
  const annotations: Record<string, string> = { [CREDENTIAL_FOR_ANNOTATION]: r.serviceAccount };
  if (r.legacy) annotations['kubernetes.io/service-account.name'] = r.serviceAccount;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: r.legacy ? 'kubernetes.io/service-account-token' : 'Opaque',
    metadata: { name, namespace: r.namespace, labels: credentialLabels(), annotations },
  };
}

async function tokenRequest(r: MintRequest, binding: BindingRef): Promise<MintedToken> {
  const answer = await r.client.core.createNamespacedServiceAccountToken({
    name: r.serviceAccount,
    namespace: r.namespace,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: [],
        expirationSeconds: Math.round(r.lifetimeMs / 1000),
        boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: binding.name, uid: binding.uid },
      },
    },
  });
  // Checked against when the answer came, not the pass's start (`now`): a pass over hundreds of
  // clusters can run for minutes, and the token's lifetime counts from the request.
  const answeredAt = new Date(Math.max(r.now.getTime(), Date.now()));
  const { token, expiresAt } = checkTokenRequestStatus(r.client.name, (answer as { status?: unknown }).status, answeredAt, r.lifetimeMs);
  return { kind: 'token-request', binding, token, expiresAt };
}

async function legacyToken(r: MintRequest, binding: BindingRef): Promise<MintedToken> {
  const deadline = Date.now() + LEGACY_TOKEN_WAIT_MS;
  for (;;) {
    const secret = await r.client.core.readNamespacedSecret({ name: binding.name, namespace: binding.namespace });
    const data = secret.data?.token;
    if (typeof data === 'string' && data !== '')
      return { kind: 'legacy-token', binding, token: checkToken(r.client.name, Buffer.from(data, 'base64').toString('utf8')) };
    if (Date.now() > deadline)
      throw new MeshdError(
        'MESHD_ERR_CREDENTIAL',
        `${r.client.name}: the token controller did not fill Secret ${binding.namespace}/${binding.name} within ${LEGACY_TOKEN_WAIT_MS / 1000} s`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Mints a reader token on one cluster: creates the binding Secret (meshd's label, recorded by UID),
 * then asks TokenRequest for a token bound to it (or, `legacy`, waits for the token controller to
 * fill it). Whatever the cluster answers is checked; on any failure the binding Secret is deleted
 * again and a MESHD_ERR_CREDENTIAL error is thrown, so nothing is left behind.
 */
export async function mintReaderToken(r: MintRequest): Promise<MintedToken> {
  const created = await r.client.objects.create(bindingSecret(r) as never);
  const uid = (created as { metadata?: { uid?: unknown; name?: unknown } }).metadata;
  if (typeof uid?.uid !== 'string' || typeof uid.name !== 'string')
    throw new MeshdError('MESHD_ERR_CREDENTIAL', `${r.client.name}: creating the binding Secret returned no UID`);
  const binding: BindingRef = { namespace: r.namespace, name: uid.name, uid: uid.uid };
  try {
    return await (r.legacy ? legacyToken(r, binding) : tokenRequest(r, binding));
  } catch (err) {
    await revokeBinding(r.client, binding).catch(() => undefined);
    if (err instanceof MeshdError) throw err;
    throw new MeshdError(
      'MESHD_ERR_CREDENTIAL',
      `${r.client.name}: minting a token for ${r.namespace}/${r.serviceAccount} failed: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

/** Deletes a binding object (revoking every token bound to it); only the exact UID meshd created; gone is fine. */
export async function revokeBinding(client: ClusterClient, ref: BindingRef): Promise<number> {
  try {
    await client.core.deleteNamespacedSecret({ name: ref.name, namespace: ref.namespace, body: { preconditions: { uid: ref.uid } } });
    return 1;
  } catch (err) {
    if (isNotFound(err)) return 1;
    throw err;
  }
}

/** Whether a binding object is still the one meshd created (same UID); a different object of that name counts as gone. */
export async function bindingStateOf(client: ClusterClient, ref: BindingRef): Promise<'present' | 'gone'> {
  try {
    const secret = await client.core.readNamespacedSecret({ name: ref.name, namespace: ref.namespace });
    return secret.metadata?.uid === ref.uid ? 'present' : 'gone';
  } catch (err) {
    if (isNotFound(err)) return 'gone';
    throw err;
  }
}

/**
 * The CA bundle to inline in a minted kubeconfig: the operator's kubeconfig's (inline data, or the
 * file it names on the bastion), else the cluster's `kube-root-ca.crt` ConfigMap in `namespace`
 * (untrusted: checked to be PEM certificates of bounded size).
 */
export async function caPemOf(client: ClusterClient, namespace: string): Promise<string> {
  const cluster = client.kubeConfig.getCurrentCluster();
  if (cluster?.caData) return checkCaPem(client.name, Buffer.from(cluster.caData, 'base64').toString('utf8'), 'the kubeconfig');
  if (cluster?.caFile) return checkCaPem(client.name, await readFile(cluster.caFile, 'utf8'), cluster.caFile);
  const cm = await client.core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace });
  return checkCaPem(client.name, cm.data?.['ca.crt'], `ConfigMap ${namespace}/kube-root-ca.crt`);
}
