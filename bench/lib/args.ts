// Command-line flags of the benchmark scripts (`--runs 10`, `--out FILE`, `--clusters 10,100`).

/** The value after `name` in argv (or after `name=` in one argument: a value that starts with --), or undefined. */
export function flag(argv: readonly string[], name: string): string | undefined {
  const joined = argv.find((arg) => arg.startsWith(`${name}=`));
  if (joined !== undefined) return joined.slice(name.length + 1);
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

/** A positive integer flag, or `fallback`. */
export function intFlag(argv: readonly string[], name: string, fallback: number): number {
  const text = flag(argv, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} wants a positive integer, got ${text}`);
  return value;
}

/** A comma-separated list of positive integers, or `fallback`. */
export function intListFlag(argv: readonly string[], name: string, fallback: number[]): number[] {
  const text = flag(argv, name);
  if (text === undefined) return fallback;
  const values = text.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 2)) throw new Error(`${name} wants integers ≥ 2 separated by commas, got ${text}`);
  return values;
}
