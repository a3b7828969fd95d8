// The merge helper that moves files and makes the relative imports follow them.
import { describe, expect, it } from 'vitest';
import { DAEMON_FOLDERS, rewriteImports } from './move-files.js';

const moves = new Map([
  ['/r/src/daemon/queue.ts', '/r/src/daemon/queue/queue.ts'],
  ['/r/src/daemon/clock.ts', '/r/src/daemon/process/clock.ts'],
  ['/r/src/daemon/status-table.ts', '/r/src/cli/status-table.ts'],
]);
/** The tree after the move. */
const files = new Set([
  '/r/src/daemon/daemon.ts',
  '/r/src/daemon/queue/queue.ts',
  '/r/src/daemon/process/clock.ts',
  '/r/src/cli/status-table.ts',
  '/r/src/output/redact.ts',
]);
const exists = (p: string): boolean => files.has(p);

describe('rewriteImports', () => {
  it.each([
    // A file that stayed, importing one that moved (static, type-only and dynamic imports).
    {
      file: '/r/src/daemon/daemon.ts',
      from: '/r/src/daemon/daemon.ts',
      text: "import { WorkQueue } from './queue.js';",
      out: "import { WorkQueue } from './queue/queue.js';",
    },
    {
      file: '/r/src/daemon/daemon.ts',
      from: '/r/src/daemon/daemon.ts',
      text: "import type { Clock } from './clock.js';",
      out: "import type { Clock } from './process/clock.js';",
    },
    {
      file: '/r/src/daemon/daemon.ts',
      from: '/r/src/daemon/daemon.ts',
      text: "await import('./status-table.js')",
      out: "await import('../cli/status-table.js')",
    },
    // A file that moved, importing one that moved elsewhere, and one that did not move.
    {
      file: '/r/src/daemon/queue/queue.ts',
      from: '/r/src/daemon/queue.ts',
      text: "import { systemClock } from './clock.js';",
      out: "import { systemClock } from '../process/clock.js';",
    },
    {
      file: '/r/src/daemon/queue/queue.ts',
      from: '/r/src/daemon/queue.ts',
      text: "import { Redactor } from '../output/redact.js';",
      out: "import { Redactor } from '../../output/redact.js';",
    },
    // Already right (run twice, or code written against the new paths): untouched; an unknown target too.
    {
      file: '/r/src/daemon/daemon.ts',
      from: '/r/src/daemon/daemon.ts',
      text: "import { WorkQueue } from './queue/queue.js';",
      out: "import { WorkQueue } from './queue/queue.js';",
    },
    { file: '/r/src/daemon/daemon.ts', from: '/r/src/daemon/daemon.ts', text: "import { x } from './nowhere.js';", out: "import { x } from './nowhere.js';" },
    {
      file: '/r/src/daemon/queue/queue.ts',
      from: '/r/src/daemon/queue.ts',
      text: "import { x } from '../process/clock.js';",
      out: "import { x } from '../process/clock.js';",
    },
    // A moved file's import means what it meant where the file was, even when the same name exists where it is now.
    {
      file: '/r/src/cli/status-table.ts',
      from: '/r/src/daemon/status-table.ts',
      text: "import type { Q } from './queue.js';",
      out: "import type { Q } from '../daemon/queue/queue.js';",
    },
  ])('$text in $file', ({ file, from, text, out }) => {
    expect(rewriteImports(text, { file, movedFrom: from }, moves, exists)).toBe(out);
  });
});

describe('DAEMON_FOLDERS', () => {
  it('moves every file once, into a folder of packages/meshd/src/daemon (status-table.ts to the CLI)', () => {
    const targets = [...DAEMON_FOLDERS.values()];
    expect(new Set(targets).size).toBe(targets.length);
    for (const [from, to] of DAEMON_FOLDERS)
      if (!from.endsWith('status-table.ts'))
        expect(to).toMatch(/^packages\/meshd\/src\/daemon\/(queue|watch|status|leader|process)\/[a-z-]+(\/[a-z-]+)?(\.test)?\.ts$/);
  });
});
