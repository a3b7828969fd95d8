import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemdNotifier, type ExecFile } from './systemd.js';
import { recordingLogger, silentLogger } from '@meshd/testkit';

function fakeExec(): { exec: ExecFile; calls: string[][] } {
  const calls: string[][] = [];
  return { calls, exec: (file, args) => (calls.push([file, ...args]), Promise.resolve()) };
}

describe('SystemdNotifier', () => {
  it('does nothing when not started by systemd (no NOTIFY_SOCKET)', async () => {
    const { exec, calls } = fakeExec();
    const n = new SystemdNotifier({ env: {}, pid: 42, logger: silentLogger(), execFile: exec });
    expect(n.enabled).toBe(false);
    expect(await n.ready('converged')).toBe(false);
    n.startWatchdog();
    expect(calls).toEqual([]);
  });

  it('sends READY with a status, STOPPING, and pings the watchdog at half WatchdogSec', async () => {
    const { exec, calls } = fakeExec();
    const n = new SystemdNotifier({
      env: { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' },
      pid: 42,
      logger: silentLogger(),
      execFile: exec,
    });
    expect(n.watchdogIntervalMs).toBe(15_000);
    await n.ready('2 clusters converged');
    await n.stopping();
    expect(calls).toEqual([
      ['systemd-notify', '--ready', '--status=2 clusters converged'],
      ['systemd-notify', 'STOPPING=1'],
    ]);
  });

  it('ignores a watchdog meant for another process', () => {
    const n = new SystemdNotifier({ env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '7' }, pid: 42, logger: silentLogger() });
    expect(n.watchdogIntervalMs).toBeUndefined();
  });

  it('logs, never throws, when systemd-notify fails', async () => {
    const logger = recordingLogger();
    const n = new SystemdNotifier({ env: { NOTIFY_SOCKET: '/run/x' }, pid: 1, logger, execFile: () => Promise.reject(new Error('ENOENT')) });
    expect(await n.ready('x')).toBe(false);
    expect(logger.entries.map((e) => e.msg)).toEqual(['systemd notification failed']);
  });
});

// The real systemd-notify against a stand-in for PID 1's notify socket (Python: Node has no unix
// datagram sockets) that closes the BARRIER fd as systemd does.
const RECEIVER = `
import socket, os, sys, array
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(64))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array('i'); fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
            for fd in fds: os.close(fd)
    print(msg.decode().replace("\\n", ";"), flush=True)
`;
const hasTools = spawnSync('python3', ['--version']).status === 0 && spawnSync('systemd-notify', ['--version']).status === 0;

describe.skipIf(!hasTools)('SystemdNotifier with the real systemd-notify', () => {
  let receiver: ChildProcess | undefined;
  let dir = '';
  afterEach(async () => {
    receiver?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers READY and STATUS, then a barrier, and returns once the manager has processed them', async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshd-notify-'));
    const socket = join(dir, 'notify');
    receiver = spawn('python3', ['-c', RECEIVER, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    const rl = createInterface({ input: receiver.stdout! });
    await new Promise<void>((resolve) => rl.on('line', (line) => (line === 'listening' ? resolve() : lines.push(line))));
    const n = new SystemdNotifier({ env: { NOTIFY_SOCKET: socket, PATH: process.env.PATH }, pid: process.pid, logger: silentLogger() });
    expect(await n.ready('1 cluster converged')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines).toEqual(['READY=1;STATUS=1 cluster converged', 'BARRIER=1']);
  });
});
