#!/usr/bin/env node
// The meshd command: runs the compiled CLI (npm run build, or npm test, compiles it).
import { main } from '../dist/cli/main.js';

// `meshd plan | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await main(process.argv);
