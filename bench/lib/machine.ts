// The machine a benchmark ran on, recorded with its figures.
import { cpus, loadavg, totalmem } from 'node:os';

/** Where and when figures were taken. */
export interface MachineInfo {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  /** 1, 5 and 15-minute load averages when the benchmark started. */
  loadAtStart: number[];
}

/** Describes this machine now. */
export function machineInfo(): MachineInfo {
  return {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    loadAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
