import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import { errorAt, warningAt, type Finding, type Position } from './finding.js';
import { yamlBudgetExcess } from './yaml-budget.js';

/** A step in a YAML path: a mapping key or a sequence index. */
export type PathSegment = string | number;

/**
 * One non-empty YAML document of a file, converted to plain JS, with a way back to its source:
 * `locate(path)` gives the line and column of a value (or of its key), falling back to the nearest
 * enclosing node when the path does not exist (e.g. for a missing field).
 */
export interface YamlDocument {
  /** 0-based position of the document among the file's documents. */
  index: number;
  /** The document as plain JS (mappings become objects). */
  value: unknown;
  /** The document's own source text (with its `---` marker, if any). */
  text: string;
  /** Where the value at `path` (or its key, with target 'key') is in the file. */
  locate(path: readonly PathSegment[], target?: 'key' | 'value'): Position;
}

/** A YAML file parsed into documents, with the syntax findings (documents with errors are left out). */
export interface ParsedYamlFile {
  documents: YamlDocument[];
  findings: Finding[];
}

/** Cap on alias expansion: more than this is a "billion laughs" attack, not a descriptor. */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses YAML text (multi-document) with source positions. Empty documents are skipped; syntax
 * errors, excessive aliases and unresolved tags become findings (errors, errors, warnings). Text
 * that nests too deeply or holds too much structure (yaml-budget.ts) is refused before the parser
 * sees it, in one linear pass. Never throws.
 */
export function parseYamlText(file: string, text: string): ParsedYamlFile {
  const excess = yamlBudgetExcess(text);
  if (excess !== undefined) return { documents: [], findings: [errorAt(file, excess.position, excess.message)] };
  try {
    return parseDocuments(file, text);
  } catch (err) {
    return { documents: [], findings: [errorAt(file, { line: 1, col: 1 }, `YAML cannot be read: ${plainYamlMessage(errorText(err))}`)] };
  }
}

function parseDocuments(file: string, text: string): ParsedYamlFile {
  const lineCounter = new LineCounter();
  const position = (offset: number): Position => lineCounter.linePos(offset);
  const result: ParsedYamlFile = { documents: [], findings: [] };
  // uniqueKeys is checked below in one pass: the yaml library's own check is quadratic per mapping.
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: false });
  docs.forEach((doc, index) => {
    for (const w of doc.warnings) result.findings.push(warningAt(file, yamlErrorPosition(w, position), plainYamlMessage(w.message)));
    const errors = documentErrors(file, doc, position);
    if (errors.length > 0) {
      result.findings.push(...errors);
      return;
    }
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return;
    const [start, , end] = doc.range;
    const converted = documentValue(doc);
    if ('error' in converted) {
      result.findings.push(errorAt(file, position(start), aliasOrConversionMessage(converted.error)));
      return;
    }
    const locate = (path: readonly PathSegment[], target: 'key' | 'value' = 'value'): Position => position(offsetOf(doc, path, target) ?? start);
    result.documents.push({ index, value: converted.value, text: text.slice(start, end), locate });
  });
  return result;
}

/** A document's syntax errors (a repeated "too deep" once), else its repeated keys; empty when it is well formed. */
function documentErrors(file: string, doc: Document.Parsed, position: (offset: number) => Position): Finding[] {
  if (doc.errors.length === 0) return duplicateKeyOffsets(doc).map((offset) => errorAt(file, position(offset), 'YAML syntax error: Map keys must be unique'));
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const e of doc.errors) {
    const message = syntaxMessage(e.message);
    if (seen.has(message) && message === TOO_DEEP) continue;
    seen.add(message);
    findings.push(errorAt(file, yamlErrorPosition(e, position), message));
  }
  return findings;
}

/** A document as plain data (aliases expanded up to MAX_ALIAS_COUNT), or what the conversion threw. */
function documentValue(doc: Document.Parsed): { value: unknown } | { error: unknown } {
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    return { error };
  }
}

/** Source offsets of the keys that repeat an earlier scalar key of the same mapping (what yaml's uniqueKeys reports), in linear time. */
function duplicateKeyOffsets(doc: Document.Parsed): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) offsets.push(rangeStart(pair.key) ?? 0);
        seen.add(pair.key.value);
      }
    },
  });
  return offsets;
}

function yamlErrorPosition(e: { linePos?: [Position] | [Position, Position]; pos: [number, number] }, position: (o: number) => Position): Position {
  return e.linePos?.[0] ?? position(e.pos[0]);
}

const TOO_DEEP = 'YAML nests too deeply to be read';

function syntaxMessage(message: string): string {
  return /call stack/i.test(message) ? TOO_DEEP : `YAML syntax error: ${plainYamlMessage(message)}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Drops the " at line L, column C:" suffix and the source excerpt yaml appends (we print positions ourselves). */
function plainYamlMessage(message: string): string {
  return message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').trim();
}

function aliasOrConversionMessage(err: unknown): string {
  const text = errorText(err);
  if (/call stack/i.test(text)) return TOO_DEEP;
  if (/alias/i.test(text)) return `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT}): refusing a possible alias bomb`;
  return `YAML document cannot be read: ${text}`;
}

/** Source offset of the node at `path` (or of its key), or of the deepest existing ancestor. */
function offsetOf(doc: Document.Parsed, path: readonly PathSegment[], target: 'key' | 'value'): number | undefined {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (const [i, segment] of path.entries()) {
    const step = childAt(doc, node, segment);
    if (step === undefined) return offset;
    const last = i === path.length - 1;
    offset = (last && target === 'key' && step.pair ? rangeStart(step.pair.key) : rangeStart(step.next)) ?? offset;
    node = step.next;
  }
  return offset;
}

/** The child of `node` (an alias resolved) at one path segment, with its pair in a mapping; undefined when there is none. */
function childAt(doc: Document.Parsed, node: unknown, segment: PathSegment): { next: unknown; pair?: Pair } | undefined {
  const resolved = isAlias(node) ? node.resolve(doc) : node;
  const pair = isMap(resolved) ? resolved.items.find((p) => keyText(p) === String(segment)) : undefined;
  if (pair) return { next: pair.value ?? pair.key, pair };
  if (isSeq(resolved) && typeof segment === 'number') return { next: resolved.items[segment] };
  return undefined;
}

function keyText(pair: Pair): string | undefined {
  if (!isPair(pair)) return undefined;
  return isScalar(pair.key) ? String(pair.key.value) : undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}
