import { describe, expect, it } from 'vitest';
import { credentialsOf, Redactor } from './redact.js';

const kubeconfig = (server: string, token = 'tok-0123456789abcdef'): string => `apiVersion: v1
kind: Config
clusters:
- name: east
  cluster: { server: "${server}", proxy-url: "http://proxy:pr0xy-s3cret-value@10.0.0.1:3128" }
users:
- name: east
  user: { token: ${token} }
contexts:
- name: east
  context: { cluster: east, user: east }
current-context: east
`;

describe('credentialsOf', () => {
  it('finds the user info of the server and proxy URLs besides the token', () => {
    const found = credentialsOf(kubeconfig('https://admin:p%40ss-word-1234@127.0.0.1:6443'));
    expect(found).toEqual(expect.arrayContaining(['tok-0123456789abcdef', 'p%40ss-word-1234', 'p@ss-word-1234', 'pr0xy-s3cret-value']));
    expect(found).not.toContain('admin');
  });

  it('finds nothing extra in a server URL without user info', () => {
    const found = credentialsOf(kubeconfig('https://127.0.0.1:6443'));
    expect(new Set(found)).toEqual(new Set(['tok-0123456789abcdef', 'proxy:pr0xy-s3cret-value', 'pr0xy-s3cret-value']));
  });

  it('lets the redactor scrub a server URL shown on /status', () => {
    const redactor = new Redactor();
    redactor.addKubeconfig(kubeconfig('https://meshd:planted-0123456789@127.0.0.1:6443'));
    expect(redactor.scrub('{"server":"https://meshd:planted-0123456789@127.0.0.1:6443"}')).toBe('{"server":"https://[redacted]@127.0.0.1:6443"}');
  });
});
