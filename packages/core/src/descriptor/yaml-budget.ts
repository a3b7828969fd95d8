import type { Position } from './finding.js';

/** Deepest nesting a descriptor, kubeconfig or meshd.yaml may have; real ones need fewer than 10. */
export const MAX_YAML_NESTING = 64;

/** Most structural marks (brackets, commas, `- `, `: `, `? `) a file may hold; a large kubeconfig has a few hundred. */
export const MAX_YAML_MARKS = 10_000;

/** Why a text is refused before parsing, and where. */
export interface YamlBudgetExcess {
  position: Position;
  message: string;
}

/**
 * A linear pre-scan that refuses YAML the parser would choke on (L8: a 1 MB `[[[…` costs the yaml
 * library seconds and hundreds of MB before it gives up). It over-approximates on purpose, so that
 * no quoting trick can hide structure from it:
 * - flow depth: every `[`/`{` opens and every `]`/`}` closes, whether in a string or a comment;
 * - block depth: the indentation levels open at a line (beyond the first), plus every `-`, `?` or
 *   `:` on that line followed by white space (a `- - - x` line nests three sequences);
 * - marks: all of the above plus `,`, counted over the whole file (a `[ "]" [ "]" …` chain hides its
 *   depth from the bracket count, not from this budget).
 * Nesting is their sum. Returns the first place the text goes past `maxNesting` or `maxMarks`,
 * undefined when it stays within them. Pure, one pass, no allocation per character.
 */
export function yamlBudgetExcess(text: string, maxNesting = MAX_YAML_NESTING, maxMarks = MAX_YAML_MARKS): YamlBudgetExcess | undefined {
  const scan = new BudgetScan();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === NEWLINE) scan.newLine(i);
    else if (scan.indentEnds(i, c) && scan.mark(c, text.charCodeAt(i + 1))) {
      if (scan.marks > maxMarks)
        return scan.excess(
          i,
          `YAML has more than ${maxMarks} brackets, commas and "- ", ": " marks: refusing to parse it (a descriptor or kubeconfig has a few hundred)`,
        );
      if (scan.depth() > maxNesting)
        return scan.excess(i, `YAML nests deeper than ${maxNesting} levels: refusing to parse it (a descriptor or kubeconfig needs fewer than 10)`);
    }
  }
  return undefined;
}

/** The running counts of yamlBudgetExcess. */
class BudgetScan {
  marks = 0;
  private readonly indents: number[] = [];
  private flow = 0;
  private onLine = 0;
  private line = 1;
  private lineStart = 0;
  private atIndent = true;

  newLine(i: number): void {
    this.line++;
    this.lineStart = i + 1;
    // Inside an open flow collection a block indicator's level outlives the line (the parser's
    // error recovery keeps it): only a line outside flow starts from zero again.
    if (this.flow === 0) this.onLine = 0;
    this.atIndent = true;
  }

  /** False while `c` is indentation; at the first other character, records the line's indentation level. */
  indentEnds(i: number, c: number): boolean {
    if (!this.atIndent) return true;
    if (c === SPACE) return false;
    this.atIndent = false;
    if (c === CR || c === HASH) return true;
    const indent = i - this.lineStart;
    while (this.indents.length > 0 && (this.indents.at(-1) ?? 0) >= indent) this.indents.pop();
    this.indents.push(indent);
    return true;
  }

  /** Counts `c` when it is a structural mark; true if it was one. */
  mark(c: number, next: number): boolean {
    if (c === OPEN_SQUARE || c === OPEN_CURLY) this.flow++;
    else if (c === CLOSE_SQUARE || c === CLOSE_CURLY) this.flow = Math.max(0, this.flow - 1);
    else if ((c === DASH || c === QUESTION || c === COLON) && isBlank(next)) this.onLine++;
    else if (c !== COMMA) return false;
    this.marks++;
    return true;
  }

  depth(): number {
    return this.flow + Math.max(0, this.indents.length - 1) + this.onLine;
  }

  excess(i: number, message: string): YamlBudgetExcess {
    return { position: { line: this.line, col: i - this.lineStart + 1 }, message };
  }
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const HASH = 0x23;
const COMMA = 0x2c;
const DASH = 0x2d;
const COLON = 0x3a;
const QUESTION = 0x3f;
const OPEN_SQUARE = 0x5b;
const CLOSE_SQUARE = 0x5d;
const OPEN_CURLY = 0x7b;
const CLOSE_CURLY = 0x7d;

/** True after a block indicator: space, tab, line break or the end of the text (NaN). */
function isBlank(code: number): boolean {
  return code === SPACE || code === TAB || code === NEWLINE || code === CR || Number.isNaN(code);
}
