// Runs the CLI from source: `npx tsx packages/meshd/src/cli/main-entry.ts validate --dir DIR`.
// (The installed `meshd` command is bin/meshd.js, which runs the compiled main.)
import { main } from './main.js';

process.exitCode = await main(process.argv);
