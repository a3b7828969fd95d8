import { parse } from 'yaml';
import { TextMemo } from '../util/text-memo.js';

/**
 * Kubeconfig texts as plain data, each parsed once per process: a one-shot pass reads every
 * kubeconfig three ways (the directory's validation, the redactor's list of its credentials, the
 * client's view of its current context), and YAML parsing was a tenth of a one-shot `apply`'s
 * start-up (bench/RESULTS.md, issue 17). 2048 texts hold a 1000-cluster mesh's kubeconfigs.
 */
const values = new TextMemo<unknown>(2048);

/**
 * A kubeconfig text as plain data (yaml's `parse`, aliases expanded up to 100), deeply frozen:
 * callers share it and read it only. Throws yaml's error when the text does not parse (nothing is
 * kept then).
 */
export function kubeconfigValue(text: string): unknown {
  return values.get('kubeconfig', text, () => deepFreeze(parse(text, { maxAliasCount: 100 })));
}

/**
 * Keeps `value` as what `text` parses to, when no parse of it is kept yet: the directory's
 * validation (descriptor/kubeconfig.ts) parses each kubeconfig with source positions anyway, and
 * hands over a single well-formed document without repeated keys, which yaml's `parse` reads the same.
 */
export function rememberKubeconfigValue(text: string, value: unknown): void {
  values.get('kubeconfig', text, () => deepFreeze(value));
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}
