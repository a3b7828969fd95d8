import { describe, expect, it } from 'vitest';
import { validateKubeconfig } from '../descriptor/kubeconfig.js';
import { TextMemo } from './text-memo.js';

describe('TextMemo', () => {
  it('computes once per scope and text, and again for another scope or text', () => {
    const memo = new TextMemo<string>(8);
    let runs = 0;
    const upper = (text: string) => (): string => {
      runs++;
      return text.toUpperCase();
    };
    expect(memo.get('a', 'x', upper('x'))).toBe('X');
    expect(memo.get('a', 'x', upper('x'))).toBe('X');
    expect(runs).toBe(1);
    expect(memo.get('b', 'x', upper('x'))).toBe('X');
    expect(memo.get('a', 'y', upper('y'))).toBe('Y');
    expect(runs).toBe(3);
  });

  it('keeps at most `limit` results, dropping the oldest', () => {
    const memo = new TextMemo<number>(2);
    let runs = 0;
    const count = (): number => ++runs;
    memo.get('', 'one', count);
    memo.get('', 'two', count);
    memo.get('', 'three', count);
    expect(memo.size).toBe(2);
    expect(memo.get('', 'three', count)).toBe(3);
    expect(memo.get('', 'one', count)).toBe(4);
  });

  it('does not keep a computation that threw', () => {
    const memo = new TextMemo<number>(2);
    expect(() =>
      memo.get('', 't', () => {
        throw new Error('bad text');
      }),
    ).toThrow('bad text');
    expect(memo.get('', 't', () => 7)).toBe(7);
  });
});

describe('validateKubeconfig, remembered', () => {
  it('gives each caller its own findings list for the same text', () => {
    const text = 'apiVersion: v1\nkind: Config\nclusters: []\n';
    const first = validateKubeconfig('a.kube.conf', text);
    expect(first.findings.length).toBeGreaterThan(0);
    first.findings.length = 0;
    expect(validateKubeconfig('a.kube.conf', text).findings.length).toBeGreaterThan(0);
    expect(validateKubeconfig('b.kube.conf', text).findings[0]?.file).toBe('b.kube.conf');
  });
});
