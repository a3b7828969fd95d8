// An SVG chart of bench:scale's points: four small panels (converge seconds, peak RSS, CPU
// seconds, idle CPU %) against cluster count on a log axis, simulated and real points marked
// apart, targets dashed. No dependencies: the SVG is written by hand.

/** One measured point, as bench:scale writes it. */
export interface ChartPoint {
  clusters: number;
  backend: string;
  converge_s: number;
  rss_mb: number;
  cpu_s: number;
  idle_cpu_pct: number | null;
}

interface Panel {
  title: string;
  value: (p: ChartPoint) => number | null;
  target?: number;
}

const PANELS: Panel[] = [
  { title: 'converge from empty (s)', value: (p) => p.converge_s, target: 60 },
  { title: 'peak RSS of meshd apply (MB)', value: (p) => p.rss_mb, target: 400 },
  { title: 'CPU of meshd apply (s)', value: (p) => p.cpu_s },
  { title: 'idle CPU of meshd run (% of a core)', value: (p) => p.idle_cpu_pct, target: 1 },
];

const W = 360;
const H = 230;
const M = { left: 48, right: 14, top: 26, bottom: 34 };
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** Where one panel sits and how it maps data to SVG coordinates. */
interface PanelFrame {
  ox: number;
  oy: number;
  xmin: number;
  xmax: number;
  ymax: number;
  px: (x: number) => number;
  py: (y: number) => number;
}

function panelFrame(panel: Panel, points: readonly ChartPoint[], ox: number, oy: number): PanelFrame {
  const xs = points.map((p) => p.clusters);
  const [xmin, xmax] = [Math.min(...xs) / 1.3, Math.max(...xs) * 1.3];
  const values = points.map(panel.value).filter((v): v is number => v !== null);
  const ymax = Math.max(...values, panel.target ?? 0) * 1.15 || 1;
  const px = (x: number): number => ox + M.left + ((Math.log(x) - Math.log(xmin)) / (Math.log(xmax) - Math.log(xmin))) * (W - M.left - M.right);
  const py = (y: number): number => oy + H - M.bottom - (y / ymax) * (H - M.top - M.bottom);
  return { ox, oy, xmin, xmax, ymax, px, py };
}

function axesSvg(f: PanelFrame, panel: Panel, xs: readonly number[]): string[] {
  const { ox, oy, xmin, xmax, ymax, px, py } = f;
  const parts = [`<text x="${ox + W / 2}" y="${oy + 16}" text-anchor="middle" font-weight="bold">${esc(panel.title)}</text>`];
  parts.push(
    `<line x1="${px(xmin)}" y1="${py(0)}" x2="${px(xmax)}" y2="${py(0)}" stroke="#444"/><line x1="${px(xmin)}" y1="${py(0)}" x2="${px(xmin)}" y2="${py(ymax)}" stroke="#444"/>`,
  );
  for (const t of [0, 0.5, 1])
    parts.push(`<text x="${px(xmin) - 4}" y="${py((ymax * t) / 1.15) + 4}" text-anchor="end" font-size="10">${fmt((ymax * t) / 1.15)}</text>`);
  for (const x of [...new Set(xs)]) parts.push(`<text x="${px(x)}" y="${py(0) + 14}" text-anchor="middle" font-size="10">${x}</text>`);
  parts.push(`<text x="${ox + W / 2}" y="${oy + H - 4}" text-anchor="middle" font-size="10">clusters (log scale)</text>`);
  return parts;
}

function targetSvg(f: PanelFrame, target: number | undefined): string[] {
  if (target === undefined) return [];
  const { xmin, xmax, px, py } = f;
  return [
    `<line x1="${px(xmin)}" y1="${py(target)}" x2="${px(xmax)}" y2="${py(target)}" stroke="#c00" stroke-dasharray="5,4"/>`,
    `<text x="${px(xmin) + 4}" y="${py(target) - 4}" font-size="10" fill="#c00">target ${target}</text>`,
  ];
}

function seriesSvg(f: PanelFrame, panel: Panel, points: readonly ChartPoint[], backend: string): string[] {
  const { px, py } = f;
  const parts: string[] = [];
  const series = points.filter((p) => p.backend === backend && panel.value(p) !== null).sort((a, b) => a.clusters - b.clusters);
  const colour = backend === 'sim' ? '#1f6fb4' : '#e07b00';
  if (series.length > 1)
    parts.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${series.map((p) => `${px(p.clusters)},${py(panel.value(p) ?? 0)}`).join(' ')}"/>`,
    );
  for (const p of series) {
    const [x, y, v] = [px(p.clusters), py(panel.value(p) ?? 0), panel.value(p) ?? 0];
    parts.push(
      backend === 'sim' ? `<circle cx="${x}" cy="${y}" r="4" fill="${colour}"/>` : `<rect x="${x - 4}" y="${y - 4}" width="8" height="8" fill="${colour}"/>`,
    );
    const label = backend === 'sim' ? `x="${x + 6}" y="${y - 6}"` : `x="${x + 6}" y="${y + 14}"`;
    parts.push(`<text ${label} font-size="10" fill="${colour}">${fmt(v)}</text>`);
  }
  return parts;
}

function panelSvg(panel: Panel, points: readonly ChartPoint[], ox: number, oy: number): string {
  const f = panelFrame(panel, points, ox, oy);
  const parts = [
    ...axesSvg(
      f,
      panel,
      points.map((p) => p.clusters),
    ),
    ...targetSvg(f, panel.target),
  ];
  for (const backend of ['sim', 'real']) parts.push(...seriesSvg(f, panel, points, backend));
  return parts.join('\n');
}

/** The whole chart as SVG text. `caption` goes under the panels (machine, date). */
export function scaleChartSvg(points: readonly ChartPoint[], caption: string): string {
  const width = 2 * W;
  const height = 2 * H + 40;
  const panels = PANELS.map((panel, i) => panelSvg(panel, points, (i % 2) * W, Math.floor(i / 2) * H));
  const legend =
    `<circle cx="20" cy="${2 * H + 14}" r="4" fill="#1f6fb4"/><text x="28" y="${2 * H + 18}" font-size="11">simulated API (bench/sim)</text>` +
    `<rect x="196" y="${2 * H + 10}" width="8" height="8" fill="#e07b00"/><text x="208" y="${2 * H + 18}" font-size="11">real test clusters</text>` +
    `<text x="20" y="${2 * H + 34}" font-size="10" fill="#555">${esc(caption)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="white"/>\n${panels.join('\n')}\n${legend}\n</svg>\n`;
}
