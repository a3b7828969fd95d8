import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDnsLabel, isHostName, isIpAddress, parseCidr, parseHostPort, parsePort } from './network.js';

describe('network syntax', () => {
  it.each([
    ['10.0.0.1', true],
    ['::1', true],
    ['fe80::1%eth0', false],
    ['10.0.0.256', false],
    ['010.0.0.1', false],
    ['example.com', false],
    ['::', true],
    ['::ffff:192.0.2.1', true],
    ['istio-pilot.istio-system:15007', false],
    ['192.0.2.1:443', false],
  ])('isIpAddress(%s) = %s', (text, expected) => expect(isIpAddress(text)).toBe(expected));

  it("agrees with node:net's isIP on any text without a zone (the colon shortcut drops no address)", () => {
    const text = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.string(), fc.stringMatching(/^[0-9a-f:.]{0,12}$/));
    fc.assert(fc.property(text, (value) => isIpAddress(value) === (!value.includes('%') && isIP(value) !== 0)));
  });

  it.each([
    ['east', true],
    ['east-1', true],
    ['East', false],
    ['-east', false],
    ['east-', false],
    ['östra', false],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['', false],
  ])('isDnsLabel(%s) = %s', (text, expected) => expect(isDnsLabel(text)).toBe(expected));

  it.each([
    ['api.example.com', true],
    ['API.Example.com', true],
    ['localhost', true],
    ['10.0.0.300', false],
    ['under_score.com', false],
    ['', false],
  ])('isHostName(%s) = %s', (text, expected) => expect(isHostName(text)).toBe(expected));

  it.each([
    ['1', 1],
    ['65535', 65535],
    ['0', undefined],
    ['65536', undefined],
    ['080', undefined],
    ['+80', undefined],
    ['', undefined],
  ])('parsePort(%s) = %s', (text, expected) => expect(parsePort(text)).toBe(expected));

  it.each([
    ['10.0.0.1:9080', { host: '10.0.0.1', port: 9080 }],
    ['10.0.0.1', { host: '10.0.0.1' }],
    ['pilot.istio-system:15010', { host: 'pilot.istio-system', port: 15010 }],
    ['[::1]:6443', { host: '::1', port: 6443 }],
    ['::1', { host: '::1' }],
    ['10.0.0.1:0', undefined],
    ['10.0.0.1:', undefined],
    ['https://10.0.0.1:6443', undefined],
    ['[example.com]:80', undefined],
    ['10.0.0.300:80', undefined],
  ])('parseHostPort(%s)', (text, expected) => expect(parseHostPort(text)).toEqual(expected));

  it.each([
    ['10.0.0.0/8', { address: '10.0.0.0', prefix: 8, family: 4 }],
    ['0.0.0.0/0', { address: '0.0.0.0', prefix: 0, family: 4 }],
    ['fd00::/64', { address: 'fd00::', prefix: 64, family: 6 }],
    ['10.0.0.0/33', undefined],
    ['fd00::/129', undefined],
    ['10.0.0.0/08', undefined],
    ['10.0.0.0', undefined],
    ['10.0.0.0/', undefined],
  ])('parseCidr(%s)', (text, expected) => expect(parseCidr(text)).toEqual(expected));
});
