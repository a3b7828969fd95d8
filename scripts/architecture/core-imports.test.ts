// The merge helper that moves names imported from @meshd/core onto the entry point exporting them.
import { describe, expect, it } from 'vitest';
import { coreImportsOf, regroup } from './core-imports.js';

const entryOf = new Map([
  ['runPass', '@meshd/core'],
  ['MeshdError', '@meshd/core'],
  ['planRelease', '@meshd/core/release'],
  ['KubeObject', '@meshd/core/kube'],
]);

/** The file's @meshd/core imports, each regrouped, and the names no entry point exports. */
function rewrite(text: string): { lines: string[]; unknown: string[] } {
  const unknown: string[] = [];
  const lines = coreImportsOf(text).map((imp) => regroup(imp, /from '([^']+)'/.exec(text.slice(imp.start, imp.end))![1]!, entryOf, unknown));
  return { lines, unknown };
}

describe('core imports', () => {
  it.each([
    { text: "import { runPass } from '@meshd/core';", lines: ["import { runPass } from '@meshd/core';"], unknown: [] },
    {
      text: "import { runPass, planRelease, type KubeObject } from '@meshd/core';",
      lines: [
        "import { runPass } from '@meshd/core';\nimport { planRelease } from '@meshd/core/release';\nimport { type KubeObject } from '@meshd/core/kube';",
      ],
      unknown: [],
    },
    {
      text: "import type { KubeObject, MeshdError as E } from '@meshd/core';",
      lines: ["import type { KubeObject } from '@meshd/core/kube';\nimport type { MeshdError as E } from '@meshd/core';"],
      unknown: [],
    },
    { text: "import { planRelease } from '@meshd/core/plan';", lines: ["import { planRelease } from '@meshd/core/release';"], unknown: [] },
    {
      text: "import { gone, runPass } from '@meshd/core/pass';",
      lines: ["import { gone } from '@meshd/core/pass';\nimport { runPass } from '@meshd/core';"],
      unknown: ['gone'],
    },
    { text: "import { validateDirectory } from '@meshd/core/offline';\nimport { x } from 'other';", lines: [], unknown: [] },
  ])('$text', ({ text, lines, unknown }) => {
    expect(rewrite(text)).toEqual({ lines, unknown });
  });

  it('leaves a namespace or side-effect import alone', () => {
    expect(coreImportsOf("import * as core from '@meshd/core';\nimport '@meshd/core';")).toEqual([]);
  });
});
