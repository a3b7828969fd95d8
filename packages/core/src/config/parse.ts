import { errorAt, type Finding } from '../descriptor/finding.js';
import { knownKeysAt } from '../descriptor/schema-keys.js';
import { isRecord } from '../descriptor/validate-document.js';
import { parseYamlText, type PathSegment, type YamlDocument } from '../descriptor/yaml-source.js';
import { issuesToFindings, predicateErrorMap } from '../descriptor/zod-findings.js';
import type { ConfigPlugin } from './plugin-keys.js';
import { meshdConfigSchemaFor, type MeshdConfig, type MeshdConfigInput } from './schema.js';

/** The file name used in findings about command-line overrides. */
export const COMMAND_LINE = '(command line)';

/** The result of parsing meshd.yaml: a config when there are no errors, and every finding. */
export interface ConfigParseResult {
  config?: MeshdConfig;
  findings: Finding[];
  /** Top-level keys the file itself sets (the loader resolves their relative paths against the file). */
  keysInFile: string[];
}

/**
 * Parses and validates meshd.yaml text (empty text means all defaults), with `overrides` (the
 * command-line flags) merged on top before validation. Findings carry file:line:col for the file,
 * `(command line)` for overrides. `plugins`: the registered plugins (`backend:` must name one of
 * their backends or renderers; each one's own keys are validated with core's: meshdConfigSchemaFor).
 * Pure: paths are not resolved here (see loadConfig). Never throws for the text (a plugin claiming a
 * key another owns throws MESHD_ERR_PLUGIN).
 */
export function parseConfigText(text: string, file: string, overrides: MeshdConfigInput = {}, plugins?: readonly ConfigPlugin[]): ConfigParseResult {
  const parsed = parseYamlText(file, text);
  if (parsed.findings.some((f) => f.severity === 'error')) return { findings: parsed.findings, keysInFile: [] };
  const [doc, extra] = parsed.documents;
  if (extra !== undefined)
    return { findings: [...parsed.findings, errorAt(file, extra.locate([]), 'meshd.yaml must be a single YAML document')], keysInFile: [] };
  const fromFile: unknown = doc?.value ?? {};
  if (!isRecord(fromFile))
    return {
      findings: [
        ...parsed.findings,
        errorAt(file, doc?.locate([]) ?? { line: 1, col: 1 }, 'meshd.yaml must be a mapping of settings (directory, listen, backend, ...)'),
      ],
      keysInFile: [],
    };
  const keysInFile = Object.keys(fromFile);
  const merged = mergeOverrides(fromFile, overrides);
  const schema = meshdConfigSchemaFor(plugins);
  const result = schema.safeParse(merged, { error: predicateErrorMap });
  if (result.success) return { config: result.data, findings: parsed.findings, keysInFile };
  const known = (path: readonly PathSegment[]): readonly string[] => knownKeysAt(schema, path);
  const findings = result.error.issues.flatMap((issue) => {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    if (doc !== undefined && !comesFromOverrides(overrides, path)) return issuesToFindings(file, doc, [issue], known);
    return issuesToFindings(COMMAND_LINE, positionless(), [issue], known).map((f) => ({ ...f, line: 0, col: 0 }));
  });
  return { findings: [...parsed.findings, ...findings], keysInFile };
}

/** Deep-merges overrides into the file's settings: mappings merge, everything else is replaced. */
export function mergeOverrides(base: Record<string, unknown>, overrides: object): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const current = merged[key];
    merged[key] = isRecord(value) && isRecord(current) ? mergeOverrides(current, value) : value;
  }
  return merged;
}

function comesFromOverrides(overrides: object, path: readonly PathSegment[]): boolean {
  let node: unknown = overrides;
  for (const segment of path) {
    if (!isRecord(node) || node[String(segment)] === undefined) return false;
    node = node[String(segment)];
    if (!isRecord(node)) return true;
  }
  return path.length > 0;
}

function positionless(): YamlDocument {
  return { index: 0, value: undefined, text: '', locate: () => ({ line: 0, col: 0 }) };
}
