// SIMULATION (benchmarks only): label and field selectors as the Kubernetes API reads them
// (`a=b,c!=d,e in (x,y),f notin (z),g,!h`; fields `metadata.name=x`, `status.phase!=Failed`).

/** A parsed selector: true when an object matches. */
export type Matcher = (obj: SimObject) => boolean;

/** What the simulation stores: any JSON object with Kubernetes metadata. */
export interface SimObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** Splits on commas outside parentheses. */
function terms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') out.push(current.trim());
  return out.filter((t) => t !== '');
}

type LabelTest = (labels: Record<string, string>) => boolean;

function setTerm(term: string): LabelTest | undefined {
  const m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (!m?.[1] || !m[2]) return undefined;
  const [key, op] = [m[1], m[2]];
  const values = new Set((m[3] ?? '').split(',').map((v) => v.trim()));
  return op === 'in' ? (l) => l[key] !== undefined && values.has(l[key]) : (l) => l[key] === undefined || !values.has(l[key]);
}

function labelTerm(term: string): LabelTest {
  const set = setTerm(term);
  if (set) return set;
  const ne = /^([^!=]+)!=(.*)$/.exec(term);
  if (ne?.[1] !== undefined) return (l) => l[ne[1]!.trim()] !== (ne[2] ?? '').trim();
  const eq = /^([^!=]+)==?(.*)$/.exec(term);
  if (eq?.[1] !== undefined) return (l) => l[eq[1]!.trim()] === (eq[2] ?? '').trim();
  if (term.startsWith('!')) return (l) => l[term.slice(1).trim()] === undefined;
  return (l) => l[term] !== undefined;
}

/** A label selector matcher; an empty or absent selector matches everything. */
export function labelMatcher(selector: string | null): Matcher {
  const tests = terms(selector ?? '').map(labelTerm);
  return (obj) => tests.every((t) => t(obj.metadata.labels ?? {}));
}

function fieldValue(obj: SimObject, path: string): string {
  let value: unknown = obj;
  for (const part of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/** A field selector matcher (equality and inequality on dotted paths). */
export function fieldMatcher(selector: string | null): Matcher {
  const tests = terms(selector ?? '').map((term): Matcher => {
    const ne = /^([^!=]+)!=(.*)$/.exec(term);
    if (ne?.[1] !== undefined) return (o) => fieldValue(o, ne[1]!) !== ne[2];
    const eq = /^([^!=]+)==?(.*)$/.exec(term);
    if (eq?.[1] !== undefined) return (o) => fieldValue(o, eq[1]!) === eq[2];
    return () => false;
  });
  return (obj) => tests.every((t) => t(obj));
}
