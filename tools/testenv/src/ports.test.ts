import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { allocatePorts, isPortFree } from './ports.js';

const ephemeralStart = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

describe('allocatePorts', () => {
  it('gives distinct free ports below the ephemeral range, where no outgoing connection takes one', async () => {
    const ports = await allocatePorts(40);
    expect(new Set(ports).size).toBe(40);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(ephemeralStart);
      expect(await isPortFree(port)).toBe(true);
    }
  });

  it('isPortFree is false for a port something listens on', async () => {
    const busy = createServer();
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
    const address = busy.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    try {
      expect(await isPortFree(address.port)).toBe(false);
    } finally {
      busy.close();
    }
  });
});
