import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SUPERVISOR_MARKER, SUPERVISOR_SOURCE } from './supervisor-script.js';

/** What the supervisor reports about one child. */
type SupervisorEvent =
  | { op: 'spawned'; name: string; pid: number }
  | { op: 'exited'; name: string; code: number | null; signal: string | null }
  | { op: 'error'; name: string; message: string }
  | { op: 'detached' }
  | { op: 'gone' };

/** A command for the supervisor to run as a named child, its output appended to `log`. */
export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  log: string;
  env?: NodeJS.ProcessEnv;
}

function describeFailure(e: SupervisorEvent): string {
  if (e.op === 'error') return e.message;
  if (e.op === 'exited') return `exit ${e.code ?? e.signal}`;
  return 'the supervisor process is gone';
}

type Listener = (event: SupervisorEvent) => void;

/**
 * Launcher side of the supervisor process (see supervisor-script.ts). Owns the pipe whose closing
 * tells the supervisor to kill everything; the supervisor owns the child processes.
 */
export class Supervisor {
  private readonly listeners = new Set<Listener>();
  private readonly running = new Map<string, number>();

  private constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    createInterface({ input: proc.stdout }).on('line', (line) => this.dispatch(line));
    proc.stdin.on('error', () => undefined); // EPIPE once it is gone: reported through 'gone'
    proc.once('exit', () => {
      this.running.clear();
      this.emit({ op: 'gone' });
    });
  }

  /** Starts a supervisor whose own stderr goes to `logFile`. */
  static start(logFile: string): Supervisor {
    const errFd = openSync(logFile, 'a');
    const proc = spawn(process.execPath, ['-e', SUPERVISOR_SOURCE, '--', SUPERVISOR_MARKER], {
      detached: true,
      stdio: ['pipe', 'pipe', errFd],
    }) as unknown as ChildProcessWithoutNullStreams;
    closeSync(errFd);
    return new Supervisor(proc);
  }

  /** Process id of the supervisor (its process group id too). */
  get pid(): number {
    if (this.proc.pid === undefined) throw new Error('supervisor did not start');
    return this.proc.pid;
  }

  /** Pids of the children still running, by name. */
  children(): Map<string, number> {
    return new Map(this.running);
  }

  /** Starts a child; resolves with its pid once it runs. */
  spawn(spec: ChildSpec): Promise<number> {
    return new Promise((resolve, reject) => {
      const off = this.on((e) => {
        if (e.op === 'detached' || (e.op !== 'gone' && e.name !== spec.name)) return;
        off();
        if (e.op === 'spawned') resolve(e.pid);
        else reject(new Error(`${spec.name} did not start: ${describeFailure(e)}`));
      });
      this.send({ op: 'spawn', ...spec, env: spec.env ?? process.env });
    });
  }

  /** Signals a child and resolves once it has exited (at once when it is not running). */
  kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running.has(name)) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.on((e) => {
        if ((e.op === 'exited' && e.name === name) || e.op === 'gone') {
          off();
          resolve();
        }
      });
      this.send({ op: 'kill', name, signal });
    });
  }

  /** Calls `listener` for every event until the returned function is called. */
  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Paths the supervisor removes when it shuts down (also when the launcher died). */
  removeOnShutdown(paths: string[]): void {
    this.send({ op: 'cleanup', paths });
  }

  /** Kills every child, removes the registered paths; resolves once the supervisor has exited. */
  shutdown(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.send({ op: 'shutdown' });
    return exited;
  }

  /** Lets the children outlive this process: the supervisor stops watching the pipe. */
  async detach(): Promise<void> {
    await new Promise<void>((resolve) => {
      const off = this.on((e) => {
        if (e.op === 'detached' || e.op === 'gone') {
          off();
          resolve();
        }
      });
      this.send({ op: 'detach' });
    });
    this.proc.stdin.destroy();
    this.proc.stdout.destroy();
    this.proc.unref();
  }

  private send(message: object): void {
    this.proc.stdin.write(`${JSON.stringify(message)}\n`);
  }

  private dispatch(line: string): void {
    let event: SupervisorEvent;
    try {
      event = JSON.parse(line) as SupervisorEvent;
    } catch {
      return;
    }
    if (event.op === 'spawned') this.running.set(event.name, event.pid);
    if (event.op === 'exited') this.running.delete(event.name);
    this.emit(event);
  }

  private emit(event: SupervisorEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}
