import { describe, expect, it } from 'vitest';
import { compareVersionTriples, parseHelmClientVersion, parseKubernetesVersion } from './version.js';

describe('parseKubernetesVersion', () => {
  it.each([
    ['v1.34.4', { major: 1, minor: 34, patch: 4 }],
    ['v1.7.3', { major: 1, minor: 7, patch: 3 }],
    ['v1.7.3-gke.1', { major: 1, minor: 7, patch: 3 }],
    ['v1.28.3+k3s1', { major: 1, minor: 28, patch: 3 }],
    ['v1.30.0-eks-8cb36c9', { major: 1, minor: 30, patch: 0 }],
    ['1.9.0', { major: 1, minor: 9, patch: 0 }],
    ['v0.0.0-master+$Format:%H$', { major: 0, minor: 0, patch: 0 }],
  ])('%s', (text, expected) => {
    expect(parseKubernetesVersion(text)).toEqual(expected);
  });

  it.each(['', 'v1.7', '1', 'v1.x.3', 'latest', 'v1.7.3.4', 'vv1.7.3', 'v1.7.3 extra'])('malformed %j', (text) => {
    expect(parseKubernetesVersion(text)).toBeUndefined();
  });
});

describe('parseHelmClientVersion', () => {
  it.each([
    ['v2.17.0+ga690bad', { major: 2, minor: 17, patch: 0 }],
    ['v3.19.5+g1a2b3c4\n', { major: 3, minor: 19, patch: 5 }],
    ['Client: v2.17.0+ga690bad', { major: 2, minor: 17, patch: 0 }],
    ['Client: v2.7.1+g123\nServer: v2.17.0+ga690bad', { major: 2, minor: 7, patch: 1 }],
    ['Client: &version.Version{SemVer:"v2.7.2", GitCommit:"8478fb4", GitTreeState:"clean"}', { major: 2, minor: 7, patch: 2 }],
    ['version.BuildInfo{Version:"v3.19.5", GitCommit:"abc", GoVersion:"go1.24"}', { major: 3, minor: 19, patch: 5 }],
    ['v3.0.0-rc.1+g9b4a1c2', { major: 3, minor: 0, patch: 0, prerelease: '-rc.1' }],
  ])('%j', (text, expected) => {
    expect(parseHelmClientVersion(text)).toEqual(expected);
  });

  it.each(['', 'helm: command not found', 'v2.17', 'Client: vX.Y.Z', 'Server: v2.17.0\nClient: garbage'])('malformed %j', (text) => {
    expect(parseHelmClientVersion(text)).toBeUndefined();
  });
});

describe('compareVersionTriples', () => {
  it.each([
    [[1, 7, 3], [1, 7, 3], 0],
    [[1, 7, 2], [1, 7, 3], -1],
    [[1, 10, 0], [1, 7, 3], 1],
    [[2, 0, 0], [1, 99, 99], 1],
    [[0, 0, 0], [1, 7, 3], -1],
  ])('%j vs %j', (a, b, sign) => {
    const t = (v: number[]): { major: number; minor: number; patch: number } => ({ major: v[0]!, minor: v[1]!, patch: v[2]! });
    expect(Math.sign(compareVersionTriples(t(a), t(b)))).toBe(sign);
  });
});
