#!/usr/bin/env node
// The meshd command: runs the compiled CLI (npm run build, or npm test, compiles it).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
