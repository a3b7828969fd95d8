import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { credentialsOf, Redactor, scrubUrlCredentials } from './redact.js';

const kubeconfig = (server: string, token = 'tok-0123456789abcdef'): string => `apiVersion: v1
kind: Config
clusters:
- name: east
  cluster: { server: "${server}", proxy-url: "http://proxy:pr0xy-s3cret-value@192.0.2.1:3128" }
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

describe('secrets in URL queries and unknown URLs', () => {
  it('finds access tokens in the server URL query, not other parameters', () => {
    const found = credentialsOf(kubeconfig('https://127.0.0.1:6443/?access_token=qry-t0ken-0123456789&region=eu-west-1'));
    expect(found).toEqual(expect.arrayContaining(['access_token=qry-t0ken-0123456789', 'qry-t0ken-0123456789']));
    expect(found.some((s) => s.includes('eu-west-1'))).toBe(false);
  });

  it.each([
    [
      'user info of a URL it was never told about',
      'request to https://admin:hunter2@192.0.2.1:6443/version failed',
      'request to https://[redacted]@192.0.2.1:6443/version failed',
    ],
    ['a decoded password holding an @', 'request to https://admin:p@ss@192.0.2.1/version failed', 'request to https://[redacted]@192.0.2.1/version failed'],
    ['a token query value', 'GET https://h/api?watch=1&access_token=abc&x=1 failed', 'GET https://h/api?watch=1&access_token=[redacted]&x=1 failed'],
    ['JSON with a sig query', '{"url":"https://s3/b?X-Amz-Signature=deadbeef"}', '{"url":"https://s3/b?X-Amz-Signature=[redacted]"}'],
    [
      'nothing secret',
      'cluster east (remote, https://127.0.0.1:6443): unreachable; labelSelector=app%3Dx',
      'cluster east (remote, https://127.0.0.1:6443): unreachable; labelSelector=app%3Dx',
    ],
  ])('scrubs %s', (_what, text, want) => {
    expect(scrubUrlCredentials(text)).toBe(want);
    expect(new Redactor().scrub(text)).toBe(want);
  });
});

describe('Redactor.scrub', () => {
  it.each([
    ['a credential containing another, whole', ['abcdefgh', 'abcdefgh12345678'], 'xx abcdefgh12345678 yy', 'xx [redacted] yy'],
    ['the shorter one alone', ['abcdefgh', 'abcdefgh12345678'], 'xx abcdefgh yy', 'xx [redacted] yy'],
    ['two overlapping credentials as one stretch', ['abcdefgh12', '12345678xyz'], 'a abcdefgh12345678xyz b', 'a [redacted] b'],
    ['two credentials side by side', ['abcdefgh', '12345678'], 'abcdefgh12345678', '[redacted][redacted]'],
    ['a credential JSON-escaped', ['pa"ss\\word-1'], JSON.stringify({ password: 'pa"ss\\word-1' }), '{"password":"[redacted]"}'],
    ['a credential at the very end', ['tok-0123456789'], 'token tok-0123456789', 'token [redacted]'],
    ['nothing known', ['tok-0123456789'], 'tok-012345678 is not it', 'tok-012345678 is not it'],
    ['fragments shorter than 8 characters are never credentials', ['short'], 'short words stay', 'short words stay'],
  ])('scrubs %s', (_what, secrets, text, want) => {
    const redactor = new Redactor();
    redactor.add(secrets);
    expect(redactor.scrub(text)).toBe(want);
  });

  it('replaces every known credential and leaves the rest of the text as it was', () => {
    const secret = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), minLength: 8, maxLength: 24 });
    const filler = fc.string({ unit: fc.constantFrom('x', 'y', ' ', '.'), minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(
        fc.uniqueArray(secret, { minLength: 1, maxLength: 30 }),
        fc.array(fc.tuple(filler, fc.nat()), { maxLength: 20 }),
        filler,
        (secrets, parts, last) => {
          const redactor = new Redactor();
          // Added in pieces, as the daemon adds one kubeconfig at a time.
          for (let i = 0; i < secrets.length; i += 4) redactor.add(secrets.slice(i, i + 4));
          const text = parts.map(([f, n]) => f + secrets[n % secrets.length]!).join('') + last;
          const want = parts.map(([f]) => `${f}[redacted]`).join('') + last;
          expect(redactor.scrub(text)).toBe(want);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Redactor.addKubeconfig', () => {
  it('learns each distinct kubeconfig once: any order of adds, repeats included, scrubs like one add of each text', () => {
    const token = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '1', '2'), minLength: 12, maxLength: 20 }).map((t) => `tok-${t}`);
    fc.assert(
      fc.property(fc.uniqueArray(token, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), (tokens, picks) => {
        const texts = tokens.map((t) => kubeconfig('https://192.0.2.10:6443', t));
        const rereads = new Redactor();
        for (const n of picks) rereads.addKubeconfig(texts[n % texts.length]!);
        const once = new Redactor();
        const added = [...new Set(picks.map((n) => n % texts.length))];
        for (const n of added) once.addKubeconfig(texts[n]!);
        const shown = tokens.map((t) => `token ${t};`).join(' ');
        expect(rereads.scrub(shown)).toBe(once.scrub(shown));
        for (const n of added) expect(rereads.scrub(tokens[n]!)).toBe('[redacted]');
      }),
      { numRuns: 200 },
    );
  });

  it('learns a kubeconfig whose token was rotated: the new token is scrubbed, the old one still is', () => {
    const redactor = new Redactor();
    redactor.addKubeconfig(kubeconfig('https://192.0.2.10:6443', 'tok-old-0123456789'));
    redactor.addKubeconfig(kubeconfig('https://192.0.2.10:6443', 'tok-old-0123456789'));
    redactor.addKubeconfig(kubeconfig('https://192.0.2.10:6443', 'tok-new-9876543210'));
    expect(redactor.scrub('tok-old-0123456789 tok-new-9876543210')).toBe('[redacted] [redacted]');
  });
});
