import { execFile as nodeExecFile } from 'node:child_process';
import type { Logger } from '@meshd/core';

/** Runs a program; rejects on a non-zero exit or a timeout (node's execFile, promisified). */
export type ExecFile = (file: string, args: readonly string[], options: { env: Record<string, string>; timeout: number }) => Promise<void>;

const realExecFile: ExecFile = (file, args, options) =>
  new Promise((resolve, reject) => {
    nodeExecFile(file, [...args], { env: options.env, timeout: options.timeout }, (err) => (err ? reject(new Error(err.message, { cause: err })) : resolve()));
  });

/** Options of systemdNotifier. */
export interface NotifierOptions {
  /** The process environment (NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID are read from it). */
  env: Readonly<Record<string, string | undefined>>;
  pid: number;
  logger: Logger;
  execFile?: ExecFile;
  /** The systemd-notify binary; default `systemd-notify` from PATH. */
  binary?: string;
}

/**
 * sd_notify for a Node process, without native modules. Node cannot send unix datagrams, so each
 * message runs `systemd-notify` (systemd >= 246): it sends the message, then a BARRIER=1 and waits
 * until the service manager has processed both, so the message is attributed to the unit even though
 * the sender is a short-lived child (this needs NotifyAccess=all in the unit). Without NOTIFY_SOCKET
 * (not under Type=notify) every call is a no-op. Failures are logged, never thrown.
 */
export class SystemdNotifier {
  private watchdogTimer: ReturnType<typeof setInterval> | undefined;
  private readonly execFile: ExecFile;

  constructor(private readonly options: NotifierOptions) {
    this.execFile = options.execFile ?? realExecFile;
  }

  /** True when systemd is waiting for notifications (NOTIFY_SOCKET is set). */
  get enabled(): boolean {
    return (this.options.env.NOTIFY_SOCKET ?? '') !== '';
  }

  /**
   * The watchdog ping interval (half of WatchdogSec), or undefined when the unit has no watchdog or
   * it is meant for another process (WATCHDOG_PID).
   */
  get watchdogIntervalMs(): number | undefined {
    const usec = Number(this.options.env.WATCHDOG_USEC ?? '');
    const pid = this.options.env.WATCHDOG_PID;
    if (!this.enabled || !Number.isFinite(usec) || usec <= 0) return undefined;
    if (pid !== undefined && pid !== '' && Number(pid) !== this.options.pid) return undefined;
    return Math.max(500, Math.floor(usec / 2000));
  }

  /** READY=1 with a status line: the first reconcile has finished. */
  ready(status: string): Promise<boolean> {
    return this.send(['--ready', `--status=${status}`]);
  }

  /** STATUS=… shown by `systemctl status`. */
  status(status: string): Promise<boolean> {
    return this.send([`--status=${status}`]);
  }

  /** RELOADING=1 before a config reload; call ready() after it. */
  reloading(): Promise<boolean> {
    return this.send(['RELOADING=1']);
  }

  /** STOPPING=1 at the start of shutdown. */
  stopping(): Promise<boolean> {
    this.stopWatchdog();
    return this.send(['STOPPING=1']);
  }

  /** Pings WATCHDOG=1 every half WatchdogSec while the event loop is alive; no-op without a watchdog. */
  startWatchdog(): void {
    const every = this.watchdogIntervalMs;
    if (every === undefined || this.watchdogTimer !== undefined) return;
    void this.send(['WATCHDOG=1']);
    this.watchdogTimer = setInterval(() => void this.send(['WATCHDOG=1']), every);
    this.watchdogTimer.unref();
  }

  /** Stops the watchdog pings. */
  stopWatchdog(): void {
    if (this.watchdogTimer !== undefined) clearInterval(this.watchdogTimer);
    this.watchdogTimer = undefined;
  }

  private async send(args: string[]): Promise<boolean> {
    const socket = this.options.env.NOTIFY_SOCKET;
    if (socket === undefined || socket === '') return false;
    const env: Record<string, string> = { NOTIFY_SOCKET: socket };
    const path = this.options.env.PATH;
    if (path !== undefined) env.PATH = path;
    try {
      await this.execFile(this.options.binary ?? 'systemd-notify', args, { env, timeout: 10_000 });
      return true;
    } catch (err) {
      this.options.logger.warn({ err: err instanceof Error ? err.message : String(err), args }, 'systemd notification failed');
      return false;
    }
  }
}
