/**
 * `npm run bench:chart -- FILE OUT.svg`: draws the cost ratios of a results file (from
 * `npm run bench -- --json FILE`) as a horizontal bar chart on a log scale, in plain SVG.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Row } from './report.ts';
import type { Results } from './run.ts';

const LABEL_WIDTH = 300;
const PLOT_WIDTH = 440;
const VALUE_WIDTH = 70;
const BAR = 16;
const GAP = 6;
const GROUP_GAP = 14;
const TOP = 56;
const FONT = 'font-family="system-ui, sans-serif" font-size="12"';

/** Bars of this pool, of the other pools, and of the floors (no pool at all). */
const COLORS = { ours: '#2f6fde', peer: '#e08a2c', floor: '#9aa3ad' } as const;
const LEGEND = { ours: 'this pool', peer: 'other pools', floor: 'floor' } as const;

function kindOf(contender: string): keyof typeof COLORS {
  if (contender.startsWith('ours')) return 'ours';
  if (contender.startsWith('floor') || contender.startsWith('new connection')) return 'floor';
  return 'peer';
}

const xml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The SVG chart of every row that has a ratio to ours. */
export function chart(results: Results): string {
  const rows = results.rows.filter((row): row is Row & { vsOurs: number } => row.vsOurs !== null);
  const ratios = rows.map((row) => row.vsOurs);
  const lo = Math.floor(Math.log10(Math.min(1, ...ratios)));
  const hi = Math.ceil(Math.log10(Math.max(10, ...ratios)));
  const x = (ratio: number): number =>
    LABEL_WIDTH + ((Math.log10(ratio) - lo) / (hi - lo)) * PLOT_WIDTH;
  const parts: string[] = [];
  let y = TOP;
  let scenario = '';
  for (const row of rows) {
    if (row.scenario !== scenario) {
      if (scenario !== '') y += GROUP_GAP;
      scenario = row.scenario;
    }
    const fill = COLORS[kindOf(row.contender)];
    const start = x(1);
    const end = x(row.vsOurs);
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + BAR - 4}" text-anchor="end" ${FONT}>${xml(`${row.scenario} · ${row.contender}`)}</text>`,
      `<rect x="${Math.min(start, end).toFixed(1)}" y="${y}" width="${Math.max(1, Math.abs(end - start)).toFixed(1)}" height="${BAR}" fill="${fill}"/>`,
      `<text x="${LABEL_WIDTH + PLOT_WIDTH + 8}" y="${y + BAR - 4}" ${FONT}>${row.vsOurs.toFixed(2)}x</text>`,
    );
    y += BAR + GAP;
  }
  const ticks: string[] = [];
  for (let power = lo; power <= hi; power++) {
    const tx = x(10 ** power).toFixed(1);
    ticks.push(
      `<line x1="${tx}" y1="${TOP - 6}" x2="${tx}" y2="${y}" stroke="${power === 0 ? '#333' : '#ddd'}"/>`,
      `<text x="${tx}" y="${TOP - 10}" text-anchor="middle" ${FONT}>${10 ** power}x</text>`,
    );
  }
  const width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH;
  const height = y + 30;
  const { machine, versions } = results;
  const title = `Cost of each contender relative to generic-connection-pool ${versions['generic-connection-pool']} (log scale; right of 1x: ours is cheaper)`;
  const footer = `${results.date.slice(0, 10)} · ${machine.cpu}, ${machine.cores} cores · Node.js ${machine.node} · generic-pool ${versions['generic-pool']} · tarn ${versions.tarn}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`,
    `<title>${xml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="20" ${FONT} font-weight="bold">${xml(title)}</text>`,
    ...ticks,
    ...parts,
    `<text x="8" y="${height - 10}" ${FONT} fill="#555">${xml(footer)}</text>`,
    ...Object.entries(COLORS).map(
      ([kind, color], i) =>
        `<rect x="${8 + i * 100}" y="28" width="10" height="10" fill="${color}"/>` +
        `<text x="${22 + i * 100}" y="37" ${FONT}>${LEGEND[kind as keyof typeof LEGEND]}</text>`,
    ),
    '</svg>',
    '',
  ].join('\n');
}

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  throw new Error('usage: npm run bench:chart -- RESULTS.json OUT.svg');
}
writeFileSync(output, chart(JSON.parse(readFileSync(input, 'utf8')) as Results));
console.log(`wrote ${output}`);
