import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate (PEM) and its private key (PEM). */
export interface KeyAndCert {
  certPem: string;
  keyPem: string;
}

const OPENSSL_CONFIG = (san: string): string => `
[req]
distinguished_name = dn
prompt = no
[dn]
O = cluster.local
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[workload]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = ${san}
`;

async function opensslReq(workDir: string, extensions: 'ca' | 'workload', extra: string[], san = 'DNS:unused'): Promise<KeyAndCert> {
  const dir = await mkdtemp(join(workDir, 'openssl-'));
  try {
    const [config, key, cert] = ['openssl.cnf', 'key.pem', 'cert.pem'].map((f) => join(dir, f)) as [string, string, string];
    await writeFile(config, OPENSSL_CONFIG(san));
    await run('openssl', [
      'req',
      '-x509',
      '-config',
      config,
      '-extensions',
      extensions,
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      ...extra,
    ]);
    return { certPem: await readFile(cert, 'utf8'), keyPem: await readFile(key, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A self-signed root CA (what Citadel keeps in istio-ca-secret). `workDir` holds temp files. */
export function createRootCa(workDir: string, subject = '/O=cluster.local/CN=Istio CA (meshd testenv)'): Promise<KeyAndCert> {
  return opensslReq(workDir, 'ca', ['-days', '3650', '-subj', subject]);
}

/** A certificate signed by `ca` for `subject` (e.g. a kube-apiserver client: /O=group/CN=user). */
export async function issueCert(workDir: string, ca: KeyAndCert, subject: string, san = 'DNS:unused'): Promise<KeyAndCert> {
  const caDir = await mkdtemp(join(workDir, 'ca-'));
  try {
    const caCert = join(caDir, 'ca-cert.pem');
    const caKey = join(caDir, 'ca-key.pem');
    await writeFile(caCert, ca.certPem);
    await writeFile(caKey, ca.keyPem, { mode: 0o600 });
    return await opensslReq(workDir, 'workload', ['-days', '90', '-subj', subject, '-CA', caCert, '-CAkey', caKey], san);
  } finally {
    await rm(caDir, { recursive: true, force: true });
  }
}

/** A 90-day workload certificate for spiffe://cluster.local/ns/NS/sa/SA, signed by `ca`; new key each call. */
export function issueWorkloadCert(workDir: string, ca: KeyAndCert, namespace: string, serviceAccount: string): Promise<KeyAndCert> {
  return issueCert(workDir, ca, '/O=cluster.local', `URI:spiffe://cluster.local/ns/${namespace}/sa/${serviceAccount}`);
}
