import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createRootCa, issueCert } from './control-plane/pki.js';
import type { ClusterLayout } from './layout.js';

/** A fresh random bearer token for the static admin user. */
export function newAdminToken(): string {
  return `meshd-testenv-${randomBytes(24).toString('hex')}`;
}

/** kube-apiserver --token-auth-file line: token,user,uid,"group" (system:masters = cluster admin). */
export function tokenAuthFile(token: string): string {
  return `${token},admin,admin,"system:masters"\n`;
}

/** Writes the static token file and a new RSA service-account signing key pair for one cluster. */
export async function writeClusterCredentials(layout: ClusterLayout, token: string): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  await Promise.all([
    writeFile(layout.serviceAccountKeyFile, privateKey, { mode: 0o600 }),
    writeFile(layout.serviceAccountPublicKeyFile, publicKey),
    writeFile(layout.tokenFile, tokenAuthFile(token), { mode: 0o600 }),
    writeClientCertificates(layout),
  ]);
}

/** A client CA for kube-apiserver (--client-ca-file) and an admin client certificate (group system:masters). */
async function writeClientCertificates(layout: ClusterLayout): Promise<void> {
  const ca = await createRootCa(layout.dataDir, `/CN=${layout.name} client CA (meshd testenv)`);
  const admin = await issueCert(layout.dataDir, ca, '/O=system:masters/CN=cert-admin');
  await Promise.all([
    writeFile(layout.clientCaFile, ca.certPem),
    writeFile(layout.clientCertFile, admin.certPem),
    writeFile(layout.clientKeyFile, admin.keyPem, { mode: 0o600 }),
  ]);
}
