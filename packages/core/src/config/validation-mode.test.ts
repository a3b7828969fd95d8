import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { parseConfigText } from './parse.js';
import { validateWithoutCompiling } from './validation-mode.js';

const CASES: [string, string, boolean][] = [
  ['a valid meshd.yaml', 'directory: /etc/meshd/multicluster\nconcurrency: 8\n', true],
  ['an unknown key', 'directory: /etc/meshd/multicluster\nconcurrancy: 8\n', false],
  ['a wrong type', 'concurrency: many\n', false],
];

describe('validateWithoutCompiling', () => {
  it("switches zod to its interpreted path, and meshd.yaml's verdicts and messages stay the same", () => {
    const compiled = CASES.map(([, text]) => parseConfigText(text, 'meshd.yaml'));
    expect(z.config().jitless).not.toBe(true);
    validateWithoutCompiling();
    expect(z.config().jitless).toBe(true);
    const interpreted = CASES.map(([, text]) => parseConfigText(text, 'meshd.yaml'));
    expect(interpreted).toEqual(compiled);
    expect(interpreted.map((r) => r.config !== undefined)).toEqual(CASES.map(([, , valid]) => valid));
  });
});
