// The `meshd` command of an install (`npm run dist`): bin/meshd of the tarball, and the main script of
// the single executable /usr/bin/meshd of the .deb. It answers `meshd --version` by itself, so that
// costs what Node's own start-up does; every other command loads the CLI bundle (lib/meshd/cli.cjs
// beside it, or the asset of the same name inside the single executable) and runs it.
import { dirname, resolve } from 'node:path';
import { versionText } from '../../packages/meshd/src/cli/version.js';
import { loadCli } from './load-cli.js';

// `meshd plan | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${versionText()}\n`);
} else {
  // bin/meshd (the file Node runs, symlinks resolved) or /usr/bin/meshd (the executable itself).
  const cliPath = resolve(dirname(__filename), '../lib/meshd/cli.cjs');
  void loadCli(cliPath)
    .main(process.argv)
    .then((code) => {
      process.exitCode = code;
    });
}
