// An SVG chart of a soak: the daemon's RSS (MB), V8's heap in use (MB) and open file descriptors
// over the minutes of churn, one panel each, with the least-squares trends of the two memories dashed. No dependencies: the SVG is
// written by hand, like bench/scale/chart.ts.
import { slopePerHour, type SoakSample } from './soak.js';

const W = 720;
const H = 220;
const M = { left: 52, right: 16, top: 28, bottom: 34 };
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** One panel: which value of a sample it draws, and its title. */
interface Series {
  title: string;
  value: (s: SoakSample) => number;
  colour: string;
  trend: boolean;
}

const SERIES: Series[] = [
  { title: 'RSS of meshd run (MB)', value: (s) => s.rssMb, colour: '#1f6fb4', trend: true },
  { title: 'V8 heap in use of meshd run (MB, from its /metrics)', value: (s) => s.heapUsedMb ?? 0, colour: '#2a9d4b', trend: true },
  { title: 'open file descriptors of meshd run', value: (s) => s.fds, colour: '#e07b00', trend: false },
];

/** Maps minutes and a value to SVG coordinates inside one panel. */
interface Frame {
  x: (minutes: number) => number;
  y: (value: number) => number;
  minutes: number;
  ymax: number;
  oy: number;
}

function frameOf(samples: readonly SoakSample[], series: Series, oy: number): Frame {
  const minutes = Math.max(...samples.map((s) => s.atHours * 60), 1);
  const ymax = Math.max(...samples.map(series.value), 1) * 1.15;
  const x = (m: number): number => M.left + (m / minutes) * (W - M.left - M.right);
  const y = (v: number): number => oy + H - M.bottom - (v / ymax) * (H - M.top - M.bottom);
  return { x, y, minutes, ymax, oy };
}

function axes(f: Frame, title: string): string[] {
  const parts = [`<text x="${W / 2}" y="${f.oy + 18}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  parts.push(`<line x1="${f.x(0)}" y1="${f.y(0)}" x2="${f.x(f.minutes)}" y2="${f.y(0)}" stroke="#444"/>`);
  parts.push(`<line x1="${f.x(0)}" y1="${f.y(0)}" x2="${f.x(0)}" y2="${f.y(f.ymax)}" stroke="#444"/>`);
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    const v = (f.ymax / 1.15) * t;
    parts.push(`<text x="${f.x(0) - 4}" y="${f.y(v) + 4}" text-anchor="end" font-size="10">${v.toFixed(0)}</text>`);
  }
  const step = f.minutes > 30 ? 10 : f.minutes > 6 ? 2 : 1;
  for (let m = 0; m <= f.minutes; m += step) parts.push(`<text x="${f.x(m)}" y="${f.y(0) + 14}" text-anchor="middle" font-size="10">${m}</text>`);
  parts.push(`<text x="${W / 2}" y="${f.oy + H - 4}" text-anchor="middle" font-size="10">minutes of churn</text>`);
  return parts;
}

function trendLine(f: Frame, samples: readonly SoakSample[], value: (s: SoakSample) => number): string {
  const slope = slopePerHour(samples, value);
  const meanT = samples.reduce((a, s) => a + s.atHours, 0) / samples.length;
  const meanY = samples.reduce((a, s) => a + value(s), 0) / samples.length;
  const at = (minutes: number): number => meanY + slope * (minutes / 60 - meanT);
  const label = `trend ${slope >= 0 ? '+' : ''}${slope.toFixed(1)} MB/h`;
  return (
    `<line x1="${f.x(0)}" y1="${f.y(at(0))}" x2="${f.x(f.minutes)}" y2="${f.y(at(f.minutes))}" stroke="#c00" stroke-dasharray="5,4"/>` +
    `<text x="${f.x(f.minutes) - 4}" y="${f.y(at(f.minutes)) - 6}" text-anchor="end" font-size="10" fill="#c00">${esc(label)}</text>`
  );
}

function panel(samples: readonly SoakSample[], series: Series, oy: number): string {
  const f = frameOf(samples, series, oy);
  const points = samples.map((s) => `${f.x(s.atHours * 60).toFixed(1)},${f.y(series.value(s)).toFixed(1)}`).join(' ');
  const parts = [...axes(f, series.title), `<polyline fill="none" stroke="${series.colour}" stroke-width="1.5" points="${points}"/>`];
  if (series.trend && samples.length > 1) parts.push(trendLine(f, samples, series.value));
  return parts.join('\n');
}

/** The soak chart as SVG text; `caption` (machine, load, date) goes under the panels. Pure. */
export function soakChartSvg(samples: readonly SoakSample[], caption: string): string {
  if (samples.length === 0) throw new Error('a soak chart needs at least one sample');
  // Samples read back from an old progress log have no heap: its panel is left out.
  const drawn = SERIES.filter((series) => series.title.startsWith('V8') === false || samples.some((s) => s.heapUsedMb !== undefined));
  const panels = drawn.map((series, i) => panel(samples, series, i * H));
  const height = drawn.length * H + 24;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" font-family="sans-serif" font-size="12">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${panels.join('\n')}\n` +
    `<text x="${M.left}" y="${height - 8}" font-size="10" fill="#555">${esc(caption)}</text>\n</svg>\n`
  );
}

const PROGRESS = /^soak: (\d+) changes, ([\d.]+) min, rss (\d+) MB, fds (\d+)(?:, heap (\d+) MB)?$/;

/**
 * The samples a soak's progress log holds (its "soak: N changes, M min, rss R MB, fds F" lines,
 * one every 10 changes): for a run whose JSON predates the samples it now writes. Pure.
 */
export function samplesFromLog(text: string): SoakSample[] {
  const samples: SoakSample[] = [];
  for (const line of text.split('\n')) {
    const m = PROGRESS.exec(line.trim());
    if (m) samples.push({ atHours: Number(m[2]) / 60, rssMb: Number(m[3]), fds: Number(m[4]), ...(m[5] === undefined ? {} : { heapUsedMb: Number(m[5]) }) });
  }
  return samples;
}
