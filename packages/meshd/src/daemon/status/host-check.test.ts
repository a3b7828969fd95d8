import { describe, expect, it } from 'vitest';
import { hostAllowed, isLoopbackName, parseHostHeader, refusalDetail, type HostPolicy } from './host-check.js';

const LOOPBACK: HostPolicy = { boundHost: '127.0.0.1', port: 9580, allowedHosts: [] };

describe('the Host check (DNS rebinding)', () => {
  it.each(['localhost:9580', 'LOCALHOST:9580', '127.0.0.1:9580', '127.1.2.3:9580', '[::1]:9580', '[0:0:0:0:0:0:0:1]:9580'])(
    'serves %s on a loopback server listening on 9580',
    (host) => {
      expect(hostAllowed(host, LOOPBACK)).toBe(true);
    },
  );

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['a foreign name', 'evil.example:9580'],
    ['a foreign name without a port', 'evil.example'],
    ['a name that starts like a loopback address', '127.0.0.1.evil.example:9580'],
    ['a name that ends in localhost', 'localhost.evil.example:9580'],
    ['localhost as a subdomain', 'evil.localhost.example:9580'],
    ['a port mismatch', 'localhost:9581'],
    ['no port (80) on a server on 9580', '127.0.0.1'],
    ['port 0', 'localhost:0'],
    ['a port out of range', 'localhost:99999'],
    ['an empty port', 'localhost:'],
    ['two ports', 'localhost:9580:9580'],
    ['userinfo', 'user@localhost:9580'],
    ['a path', 'localhost:9580/x'],
    ['white space', 'localhost :9580'],
    ['a shorthand loopback address', '127.1:9580'],
    ['a hex loopback address', '0x7f.0.0.1:9580'],
    ['leading zeros', '127.000.000.001:9580'],
    ['an octet above 255', '127.0.0.256:9580'],
    ['an unbracketed IPv6 address', '::1:9580'],
    ['a non-loopback IP address on a loopback server', '192.0.2.10:9580'],
    ['a huge header', `${'a'.repeat(100_000)}.example:9580`],
    ['a huge loopback-looking header', `localhost:${'9'.repeat(1000)}`],
    ['a control character', 'localhost\r\n:9580'],
    ['a non-ASCII name', 'lоcalhost:9580'],
  ])('refuses %s', (_what, host) => {
    expect(hostAllowed(host, LOOPBACK)).toBe(false);
  });

  it('on a server bound elsewhere, serves IP literals and loopback names with its port, still no foreign name', () => {
    const wide: HostPolicy = { boundHost: '0.0.0.0', port: 9580, allowedHosts: [] };
    expect(hostAllowed('192.0.2.10:9580', wide)).toBe(true);
    expect(hostAllowed('[2001:db8::1]:9580', wide)).toBe(true);
    expect(hostAllowed('localhost:9580', wide)).toBe(true);
    expect(hostAllowed('192.0.2.10:9581', wide)).toBe(false);
    expect(hostAllowed('meshd.example:9580', wide)).toBe(false);
    expect(hostAllowed('192.0.2.10.evil.example:9580', wide)).toBe(false);
  });

  it('serves the name it listens on (listen: NAME:PORT) with its port', () => {
    const named: HostPolicy = { boundHost: 'bastion.example.internal', port: 9580, allowedHosts: [] };
    expect(hostAllowed('Bastion.example.internal:9580', named)).toBe(true);
    expect(hostAllowed('bastion.example.internal:80', named)).toBe(false);
  });

  it('serves the names of allowedHosts with any port, case-insensitively, and only those', () => {
    const proxied: HostPolicy = { ...LOOPBACK, allowedHosts: ['Meshd.Example.internal'] };
    expect(hostAllowed('meshd.example.internal', proxied)).toBe(true);
    expect(hostAllowed('MESHD.example.internal:443', proxied)).toBe(true);
    expect(hostAllowed('evil.meshd.example.internal', proxied)).toBe(false);
    expect(hostAllowed('meshd.example.internal.evil.example', proxied)).toBe(false);
  });

  it('parses a Host header into name and port (80 when absent)', () => {
    expect(parseHostHeader('LocalHost')).toEqual({ name: 'localhost', port: 80, ipv6: false });
    expect(parseHostHeader('[::1]:8080')).toEqual({ name: '::1', port: 8080, ipv6: true });
    expect(parseHostHeader('[::1')).toBeUndefined();
    expect(isLoopbackName('127.255.255.254')).toBe(true);
    expect(isLoopbackName('128.0.0.1')).toBe(false);
  });

  it('tells a refused client what the server answers to', () => {
    expect(refusalDetail(LOOPBACK)).toBe(
      'this server answers to the Host localhost, 127.0.0.1 or [::1] with port 9580; set allowedHosts in meshd.yaml to add a name',
    );
    expect(refusalDetail({ boundHost: '0.0.0.0', port: 1, allowedHosts: ['a.example'] })).toBe(
      'this server answers to the Host localhost, 127.0.0.1 or [::1], or an IP address with port 1, or a.example (allowedHosts); set allowedHosts in meshd.yaml to add a name',
    );
  });
});
