// npm run soak -- --minutes N --out FILE: the soak (soak.ts) for N minutes; writes its JSON to FILE
// (and stdout), with the machine and load beside it in FILE.machine.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { flag, intFlag } from '../lib/args.js';
import { machineInfo } from '../lib/machine.js';
import { runSoak } from './soak.js';

const minutes = intFlag(process.argv, '--minutes', 3);
const out = flag(process.argv, '--out');
const machine = machineInfo();
console.log(`soak: ${minutes} min; ${machine.cpus} CPUs (${machine.cpuModel}), load ${machine.loadAtStart.join(' ')}`);
const run = await runSoak({ minutes, log: (line) => console.log(line) });
const text = `${JSON.stringify(run.result, null, 2)}\n`;
console.log(text);
console.log(`by kind (ms): ${Object.entries(run.byKind).map(([k, v]) => `${k} n=${v.length} max=${Math.max(...v)}`).join('; ')}`);
if (run.failures.length > 0) console.log(`not converged: ${run.failures.map((f) => `#${f.n} ${f.kind}`).join(', ')}`);
if (out) {
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, text);
  await writeFile(`${out}.machine.json`, `${JSON.stringify({ ...machine, loadAtEnd: machineInfo().loadAtStart, byKind: run.byKind, failures: run.failures }, null, 2)}\n`);
}
process.exitCode = run.result.converged === run.result.changes && run.result.unexpected_deletes === 0 ? 0 : 1;
