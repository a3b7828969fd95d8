import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { sampleDescriptor, sampleKubeconfig } from '@meshd/testkit';
import { MAX_YAML_MARKS, MAX_YAML_NESTING, yamlBudgetExcess } from './yaml-budget.js';

const staircase = (n: number): string => `${Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} v\n`;

describe('a nesting limit before parsing (L8)', () => {
  it.each<[string, string, [string, string] | undefined]>([
    ['a descriptor', sampleDescriptor({ name: 'east' }), undefined],
    ['a kubeconfig', sampleKubeconfig('east'), undefined],
    ['a kubeconfig with a 1 MB token', `${sampleKubeconfig('east')}# ${'A'.repeat(1_000_000)}\n`, undefined],
    ['64 nested flow sequences', `${'['.repeat(64)}${']'.repeat(64)}`, undefined],
    ['65 nested flow sequences', `${'['.repeat(65)}${']'.repeat(65)}`, ['1:65', 'nests deeper than 64']],
    ['the 1 MB bracket bomb', `${'['.repeat(500_000)}${']'.repeat(500_000)}`, ['1:65', 'nests deeper than 64']],
    ['the 1 MB brace bomb', `${'{'.repeat(500_000)}${'}'.repeat(500_000)}`, ['1:65', 'nests deeper than 64']],
    ['64 nested block sequences on one line', `${'- '.repeat(64)}x\n`, undefined],
    ['the "- " bomb', `${'- '.repeat(300_000)}x\n`, ['1:129', 'nests deeper than 64']],
    ['explicit keys on one line', `${'? '.repeat(100)}x\n`, ['1:129', 'nests deeper than 64']],
    ['an indentation staircase of 64', staircase(64), undefined],
    ['an indentation staircase of 66', staircase(66), ['65:66', 'nests deeper than 64']],
    ['flow nesting spread over lines', `a:\n${Array.from({ length: 70 }, () => '  [').join('\n')}`, ['65:3', 'nests deeper than 64']],
    ['brackets hidden behind quoted closers', '[ "]" '.repeat(20_000), ['1:30001', `more than ${MAX_YAML_MARKS} brackets`]],
    ['a flat mapping of 30000 keys', Array.from({ length: 30_000 }, (_, i) => `k${i}: v`).join('\n'), ['10001:7', `more than ${MAX_YAML_MARKS} brackets`]],
  ])('%s', (_name, text, expected) => {
    const excess = yamlBudgetExcess(text);
    if (expected === undefined) return expect(excess).toBeUndefined();
    expect(`${excess?.position.line}:${excess?.position.col}`).toBe(expected[0]);
    expect(excess?.message).toContain(expected[1]);
  });

  it('accepts every YAML document of ordinary depth, block or flow style (no false alarms)', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
    const tree = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.integer(),
        fc.boolean(),
        word,
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(word, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.array(tree, { minLength: 1, maxLength: 4 }), fc.constantFrom('block' as const, 'flow' as const), (values, style) => {
        const nested = values.reduce((inner: unknown, _v, i) => (i % 2 === 0 ? [inner] : { k: inner }), values);
        const text = stringify(nested, { collectionStyle: style });
        expect(yamlBudgetExcess(text)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('never throws and points inside the text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('[', ']', '{', '}', '- ', ': ', '? ', ',', '"', "'", '#', ' ', '  ', '\n', '\r\n', 'a', '-', ':'), { maxLength: 400 }),
        (tokens) => {
          const text = tokens.join('');
          const excess = yamlBudgetExcess(text, 8, 100);
          if (excess === undefined) return;
          const lines = text.split('\n');
          expect(excess.position.line).toBeLessThanOrEqual(lines.length);
          expect(excess.position.col).toBeGreaterThanOrEqual(1);
          expect(excess.position.col).toBeLessThanOrEqual((lines[excess.position.line - 1] ?? '').length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a block indicator inside an open flow collection still counts on the next line', () => {
    // Found by the property below: the yaml library nests this 7 deep in flow collections.
    expect(yamlBudgetExcess('[[[- [\n[[', 6)).toBeDefined();
  });

  // The parser may wrap an item of a flow sequence in an implicit single-pair flow map (`[a [` reads
  // as `[{a: [`), one extra level per bracket at most: what the budget accepts nests at most twice
  // its limit in the parsed tree — linear, which is all L8 needs.
  it('accepts only what the yaml library can nest (whatever it accepts nests at most twice the limit in flow collections without quotes)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('[', ']', '{', '}', ', ', 'a', ': ', '- ', '\n', ' '), { maxLength: 300 }), (tokens) => {
        const text = tokens.join('');
        if (yamlBudgetExcess(text, 6) !== undefined) return;
        expect(flowDepth(parseAllDocuments(text))).toBeLessThanOrEqual(12);
      }),
      { numRuns: 3000 },
    );
    expect(MAX_YAML_NESTING).toBe(64);
  });
});

/** The deepest nesting of flow collections in parsed documents (from their CST-backed nodes). */
function flowDepth(docs: ReturnType<typeof parseAllDocuments>): number {
  const list = Array.isArray(docs) ? docs : [docs];
  let max = 0;
  const walk = (node: unknown, depth: number): void => {
    if (typeof node !== 'object' || node === null) return;
    const n = node as { flow?: boolean; items?: unknown[]; key?: unknown; value?: unknown };
    const here = n.flow === true ? depth + 1 : depth;
    max = Math.max(max, here);
    for (const item of n.items ?? []) walk(item, here);
    if ('key' in n) walk(n.key, here);
    if ('value' in n) walk(n.value, here);
  };
  for (const doc of list) walk(doc.contents, 0);
  return max;
}
