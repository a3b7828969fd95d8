import type * as z from 'zod';
import { BRIEF_QUOTE_LENGTH, closestMatch, describeExpected, describeKind, describeValue } from './describe-value.js';
import { errorAt, type Finding } from './finding.js';
import type { PathSegment, YamlDocument } from './yaml-source.js';

/**
 * Per-parse zod error map: built-in issues become predicates in the user's words ("is missing",
 * "must be a string, got 9080"). Schemas' own messages (also predicates) take precedence.
 */
export function predicateErrorMap(issue: z.core.$ZodRawIssue): string | undefined {
  return predicate(issue, describeValue);
}

/** Like predicateErrorMap, but quotes at most BRIEF_QUOTE_LENGTH characters (for files that do not look like descriptors). */
export function briefPredicateErrorMap(issue: z.core.$ZodRawIssue): string | undefined {
  return predicate(issue, (value) => describeValue(value, BRIEF_QUOTE_LENGTH));
}

/** Like predicateErrorMap, but never quotes the offending value (for kubeconfigs, which hold credentials). */
export function redactedPredicateErrorMap(issue: z.core.$ZodRawIssue): string | undefined {
  return predicate(issue, describeKind);
}

function predicate(issue: z.core.$ZodRawIssue, describe: (value: unknown) => string): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is missing' : mustBe(describeExpected(issue.expected), issue.input, describe);
    case 'invalid_value':
      if (issue.input === undefined) return `is missing (it must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')})`;
      return mustBe(issue.values.map((v) => JSON.stringify(v)).join(' or '), issue.input, describe);
    case 'too_small':
      return bound('at least', issue.minimum, issue.origin);
    case 'too_big':
      return bound('at most', issue.maximum, issue.origin);
    default:
      return undefined;
  }
}

function bound(which: string, limit: number | bigint, origin: string): string {
  if (origin === 'number' || origin === 'int' || origin === 'bigint') return `must be ${which} ${String(limit)}`;
  if (origin === 'string' && which === 'at least' && Number(limit) === 1) return 'must not be empty';
  const unit = origin === 'string' ? 'character' : 'item';
  return `must have ${which} ${String(limit)} ${unit}${Number(limit) === 1 ? '' : 's'}`;
}

function mustBe(expected: string, input: unknown, describe: (value: unknown) => string): string {
  const hint = expected === 'a string' && (typeof input === 'number' || typeof input === 'boolean') ? ' (quote it)' : '';
  return `must be ${expected}, got ${describe(input)}${hint}`;
}

/**
 * The name of the field at `path` as a user reads it: annotation keys alone
 * (`config.istio.io/pilotCfgStore`), other paths dotted with list indexes (`spec.x.serverEndpoints[0]`).
 */
export function fieldName(path: readonly PathSegment[]): string {
  if (path.length === 3 && path[0] === 'metadata' && path[1] === 'annotations') return String(path[2]);
  let name = '';
  for (const segment of path) {
    if (typeof segment === 'number') name += `[${segment}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(segment)) name += name === '' ? segment : `.${segment}`;
    else name += `[${JSON.stringify(segment)}]`;
  }
  return name === '' ? 'the document' : name;
}

/** Converts zod issues for one document into located findings. `knownKeys` powers "did you mean". */
export function issuesToFindings(
  file: string,
  doc: YamlDocument,
  issues: readonly z.core.$ZodIssue[],
  knownKeys: (path: readonly PathSegment[]) => readonly string[],
): Finding[] {
  const findings: Finding[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const keyPath = [...path, key];
        const suggestion = closestMatch(key, knownKeys(path));
        const hint = suggestion === undefined ? '' : `; did you mean ${JSON.stringify(suggestion)}?`;
        findings.push(errorAt(file, doc.locate(keyPath, 'key'), `unknown field ${fieldName(keyPath)}${hint}`, fieldName(keyPath)));
      }
      continue;
    }
    if (issue.code === 'invalid_key') {
      const parent = fieldName(path.slice(0, -1));
      const inner = issue.issues[0]?.message ?? 'is not allowed';
      findings.push(errorAt(file, doc.locate(path, 'key'), `${parent} has an invalid key: ${inner}`, fieldName(path)));
      continue;
    }
    const name = fieldName(path);
    findings.push(errorAt(file, doc.locate(path), `${name} ${issue.message}`, name));
  }
  return findings;
}
