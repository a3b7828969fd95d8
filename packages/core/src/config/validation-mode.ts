import { config } from 'zod';

/**
 * Makes every zod schema of this process validate without compiling it first. zod 4 generates a
 * function per object schema (`new Function`) on that schema's first parse: it pays off over many
 * parses (the daemon re-validates on every directory change) but costs a one-shot command more than
 * it saves, as `meshd validate`, `plan` and `apply` parse each schema a few times. The results are
 * the same either way; only where the CPU goes changes (bench/RESULTS.md, start-up).
 */
export function validateWithoutCompiling(): void {
  config({ jitless: true });
}
