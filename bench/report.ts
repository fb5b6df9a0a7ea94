/**
 * Result rows, how they are derived from samples, and how they are printed. Every ratio is a cost
 * ratio (time, or bytes for memory): above 1 means the contender costs more than the reference.
 */
import { median, medianRatio, type Samples } from './harness.ts';

/** What a row's value measures. */
export type Unit = 'ops/s' | 'ns/op' | 'B/conn' | 'req/s';

/** One contender in one scenario. */
export interface Row {
  readonly scenario: string;
  readonly contender: string;
  /** The median over rounds, in `unit`. */
  readonly value: number;
  readonly unit: Unit;
  /**
   * This contender's cost divided by ours: 2 means ours does it in half the time (or bytes). Ours
   * is the scenario's own contender, or the one the row's note names (its like-for-like).
   */
  readonly vsOurs: number | null;
  /** This contender's cost divided by the floor's. */
  readonly vsFloor: number | null;
  /** The target this row is held to, in words, and whether this run met it. */
  readonly target: string | null;
  readonly met: boolean | null;
  readonly note?: string;
}

/** A row as its scenario returns it: `npm run bench` adds the scenario's `name`. */
export type ScenarioRow = Omit<Row, 'scenario'>;

/** What a target judges: a row's value and ratios, and its cost against any contender. */
export interface Judged {
  readonly value: number;
  readonly vsOurs: number | null;
  readonly vsFloor: number | null;
  /** This contender's cost divided by `contender`'s (the median of per-round ratios). */
  readonly vs: (contender: string) => number | null;
}

/** A target on a row's value or ratios. */
export interface Target {
  readonly text: string;
  readonly met: (row: Judged) => boolean;
}

/** Ours at most `limit` times the floor's cost. */
export const atMostFloor = (limit: number): Target => ({
  text: `<= ${limit}x floor`,
  met: ({ vsFloor }) => vsFloor !== null && vsFloor <= limit,
});

/** At most `limit` times `reference`'s cost. */
export const atMostOf = (reference: string, limit: number): Target => ({
  text: `<= ${limit}x ${reference}`,
  met: ({ vs }) => {
    const ratio = vs(reference);
    return ratio !== null && ratio <= limit;
  },
});

/** At most `limit` times our cost. */
export const atMostOurs = (limit: number): Target => ({
  text: `<= ${limit}x ours`,
  met: ({ vsOurs }) => vsOurs !== null && vsOurs <= limit,
});

/** This contender at least `limit` times our cost. */
export const slowerThanOurs = (limit: number): Target => ({
  text: `ours >= ${limit}x faster`,
  met: ({ vsOurs }) => vsOurs !== null && vsOurs >= limit,
});

/** How to turn the samples of one `compare` into rows. */
export interface RowSpec {
  readonly unit: Unit;
  /** The contender that is this package (default `'ours'`). */
  readonly ours?: string;
  /** Contenders whose "cost vs ours" is against another of ours (by name): their like-for-like. */
  readonly against?: Readonly<Record<string, string>>;
  /** The floor, if the scenario has one. */
  readonly floor?: string;
  readonly targets?: Readonly<Record<string, Target>>;
  readonly notes?: Readonly<Record<string, string>>;
}

/**
 * Rows of a scenario from per-round costs: nanoseconds per operation (shown as a rate for `ops/s`
 * and `req/s`), or bytes per connection for `B/conn`.
 */
export function rowsOf(samples: Samples, spec: RowSpec): ScenarioRow[] {
  const floor = spec.floor === undefined ? undefined : samples.get(spec.floor);
  const rows: ScenarioRow[] = [];
  for (const [contender, ns] of samples) {
    const vs = (other: string): number | null => {
      const reference = samples.get(other);
      return reference === undefined ? null : medianRatio(ns, reference);
    };
    const vsOurs = vs(spec.against?.[contender] ?? spec.ours ?? 'ours');
    const vsFloor = floor === undefined ? null : medianRatio(ns, floor);
    const target = spec.targets?.[contender];
    const note = spec.notes?.[contender];
    const mid = median(ns);
    const value = spec.unit === 'ops/s' || spec.unit === 'req/s' ? 1e9 / mid : mid;
    rows.push({
      contender,
      value,
      unit: spec.unit,
      vsOurs,
      vsFloor,
      target: target?.text ?? null,
      met: target === undefined ? null : target.met({ value, vsOurs, vsFloor, vs }),
      ...(note === undefined ? {} : { note }),
    });
  }
  return rows;
}

function formatValue(row: Row): string {
  const digits = row.value >= 100 ? 0 : 1;
  return `${row.value.toLocaleString('en-US', { maximumFractionDigits: digits })} ${row.unit}`;
}

const formatRatio = (ratio: number | null): string =>
  ratio === null ? '' : `${ratio.toFixed(2)}x`;
const formatMet = (met: boolean | null): string => (met === null ? '' : met ? 'yes' : 'NO');

const HEADER = [
  'scenario',
  'contender',
  'median',
  'cost vs ours',
  'cost vs floor',
  'target',
  'met?',
];

function cells(row: Row): string[] {
  return [
    row.scenario,
    row.contender,
    formatValue(row),
    formatRatio(row.vsOurs),
    formatRatio(row.vsFloor),
    row.target ?? '',
    formatMet(row.met),
  ];
}

/** The rows as an aligned plain-text table, with the notes below it. */
export function textTable(rows: readonly Row[]): string {
  const table = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  const lines = table.map((line) => line.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return [...lines, '', ...notesOf(rows)].join('\n').trimEnd();
}

/** The rows as a Markdown table, with the notes below it. */
export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map((_, i) => (i >= 2 && i <= 4 ? '---:' : '---')).join('|')}|`,
    ...rows.map((row) => `| ${cells(row).join(' | ')} |`),
  ];
  return [...lines, '', ...notesOf(rows)].join('\n').trimEnd();
}

function notesOf(rows: readonly Row[]): string[] {
  return rows
    .filter((row) => row.note !== undefined)
    .map((row) => `- ${row.scenario} / ${row.contender}: ${row.note}`);
}
