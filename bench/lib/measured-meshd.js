#!/usr/bin/env node
// The meshd CLI (packages/meshd/dist, after `npm run build`) with its own resource usage written at
// exit: `node bench/lib/measured-meshd.js USAGE_FILE <meshd args...>`. USAGE_FILE gets
// process.resourceUsage() plus the CPU time of the child processes it waited for (helm), from
// /proc/self/stat, so a benchmark reads meshd's own peak RSS and CPU without sampling.
import { readFileSync, writeFileSync } from 'node:fs';
import { main } from '../../packages/meshd/dist/cli/main.js';

const [node, , usageFile, ...args] = process.argv;

function childrenCpuSeconds() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

process.on('exit', () => {
  writeFileSync(usageFile, JSON.stringify({ ...process.resourceUsage(), childrenCpuSeconds: childrenCpuSeconds() }));
});
process.exitCode = await main([node, 'meshd', ...args]);
