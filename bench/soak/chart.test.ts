import { describe, expect, it } from 'vitest';
import { samplesFromLog, soakChartSvg } from './chart.js';

describe('samplesFromLog', () => {
  it('reads the progress lines of a soak log and nothing else', () => {
    const log = [
      'soak: 60 min; 2 CPUs (AMD EPYC), load 1 2 3',
      'soak: 10 changes, 0.7 min, rss 150 MB, fds 50',
      'some daemon noise: rss 999 MB',
      'soak: 20 changes, 1.5 min, rss undefined MB, fds undefined',
      '  soak: 30 changes, 2.4 min, rss 171 MB, fds 49  ',
      'soak: 40 changes, 3.1 min, rss 172 MB, fds 48, heap 31 MB',
      'soak: 50 changes, 3.9 min, rss 173 MB, fds 48, heap ? MB',
    ].join('\n');
    expect(samplesFromLog(log)).toEqual([
      { atHours: 0.7 / 60, rssMb: 150, fds: 50 },
      { atHours: 2.4 / 60, rssMb: 171, fds: 49 },
      { atHours: 3.1 / 60, rssMb: 172, fds: 48, heapUsedMb: 31 },
    ]);
    expect(samplesFromLog('')).toEqual([]);
  });
});

describe('soakChartSvg', () => {
  const samples = [0, 10, 20, 30].map((m, i) => ({ atHours: m / 60, rssMb: 150 + i * 5, fds: 50 }));

  it('draws one polyline per panel with every sample, the RSS trend and the caption', () => {
    const svg = soakChartSvg(samples, 'quiet <machine>');
    expect(svg.startsWith('<svg')).toBe(true);
    const lines = [...svg.matchAll(/<polyline[^>]*points="([^"]+)"/g)].map((m) => m[1]!.split(' ').length);
    expect(lines).toEqual([4, 4]);
    expect(svg).toContain('trend +30.0 MB/h');
    expect(svg).toContain('quiet &lt;machine>');
    expect(svg).not.toContain('V8 heap');
  });

  it('adds the V8 heap panel with its own trend when the samples carry the heap', () => {
    const withHeap = samples.map((s, i) => ({ ...s, heapUsedMb: 30 + i, heapTotalMb: 40 }));
    const svg = soakChartSvg(withHeap, 'x');
    expect([...svg.matchAll(/<polyline/g)]).toHaveLength(3);
    expect(svg).toContain('V8 heap in use');
    expect(svg).toContain('trend +30.0 MB/h');
    expect(svg).toContain('trend +6.0 MB/h');
  });

  it('refuses an empty run instead of drawing nothing', () => {
    expect(() => soakChartSvg([], 'x')).toThrow(/at least one sample/);
  });
});
