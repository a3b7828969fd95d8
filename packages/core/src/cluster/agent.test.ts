import { Agent } from 'node:https';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConnectionReusingKubeConfig } from './agent.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

function kubeConfig(cluster: Record<string, unknown>, user: Record<string, unknown>): ConnectionReusingKubeConfig {
  const kc = new ConnectionReusingKubeConfig();
  kc.loadFromString(
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'c',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', ...cluster } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
    }),
  );
  return kc;
}

async function agentFor(auth: ConnectionReusingKubeConfig): Promise<{ agent: unknown; headers: Record<string, string | string[]> }> {
  const setup = await auth.connectionSetup('requests');
  return { agent: setup.agent, headers: setup.headers };
}

describe('ConnectionReusingKubeConfig', () => {
  it('hands every request the same keep-alive agent, with the CA, and the token header each time', async () => {
    const auth = kubeConfig({ 'certificate-authority-data': b64('CA PEM') }, { token: 'secret-token' });
    const first = await agentFor(auth);
    const second = await agentFor(auth);
    expect(first.agent).toBeInstanceOf(Agent);
    expect(second.agent).toBe(first.agent);
    const agent = first.agent as Agent;
    expect(agent.options.keepAlive).toBe(true);
    expect(String(agent.options.ca)).toBe('CA PEM');
    expect(second.headers.authorization).toBe('Bearer secret-token');
  });

  it('builds a new agent when the client certificate changes', async () => {
    const user = { 'client-certificate-data': b64('CERT 1'), 'client-key-data': b64('KEY 1') };
    const kc = kubeConfig({}, user);
    const auth = kc;
    const before = (await agentFor(auth)).agent as Agent;
    const current = kc.getCurrentUser() as { certData?: string; keyData?: string };
    Object.assign(current, { certData: b64('CERT 2'), keyData: b64('KEY 2') });
    const after = (await agentFor(auth)).agent as Agent;
    expect(after).not.toBe(before);
    expect(String(after.options.cert)).toBe('CERT 2');
    expect((await agentFor(auth)).agent).toBe(after);
  });

  it('keeps skip-TLS-verify and server-name settings on the shared agent', async () => {
    const auth = kubeConfig({ 'insecure-skip-tls-verify': true, 'tls-server-name': 'api.internal' }, { token: 't' });
    const agent = (await agentFor(auth)).agent as Agent;
    expect(agent.options.rejectUnauthorized).toBe(false);
    expect(agent.options.servername).toBe('api.internal');
  });

  it('leaves proxy agents as client-node builds them (one per request)', async () => {
    const auth = kubeConfig({ 'proxy-url': 'http://127.0.0.1:3128' }, { token: 't' });
    const first = (await agentFor(auth)).agent;
    const second = (await agentFor(auth)).agent;
    expect(first).not.toBe(second);
    expect(first?.constructor).not.toBe(Agent);
  });

  it('gives watches their own agent with the same TLS context, so they never starve requests', async () => {
    const kc = kubeConfig({ 'certificate-authority-data': b64('CA PEM') }, { token: 'secret-token' });
    const request = (await agentFor(kc)).agent as Agent;
    const watchA = (await kc.applyToFetchOptions({})).agent as Agent;
    const watchB = (await kc.applyToFetchOptions({})).agent as Agent;
    expect(watchA).toBe(watchB);
    expect(watchA).not.toBe(request);
    expect(request.maxSockets).toBe(Infinity); // requests are limited before the agent (request-limit.ts)
    expect(String(watchA.options.ca)).toBe('CA PEM');
  });
});
