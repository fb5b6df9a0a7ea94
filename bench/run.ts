/**
 * `npm run bench [-- [--quick] [--json FILE] [--markdown FILE] [SCENARIO...]]`: runs the
 * scenarios (all, or those named), prints a table of medians and cost ratios, and optionally
 * writes the results as JSON and the table as Markdown (for the README).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { gcExposed } from './harness.ts';
import { markdownTable, type Row, textTable } from './report.ts';
import type { Scenario, Settings } from './scenario.ts';
import { concurrent } from './scenarios/concurrent.ts';
import { endpoints } from './scenarios/endpoints.ts';
import { handoff } from './scenarios/handoff.ts';
import { memory } from './scenarios/memory.ts';
import { pgScenario } from './scenarios/pg.ts';
import { sequential } from './scenarios/sequential.ts';
import { sockets } from './scenarios/sockets.ts';

const SCENARIOS: readonly Scenario[] = [
  sequential,
  concurrent,
  endpoints,
  handoff,
  memory,
  sockets,
  pgScenario,
];

/** What a results file holds. */
export interface Results {
  readonly date: string;
  readonly quick: boolean;
  readonly machine: { cpu: string; cores: number; os: string; node: string; gcExposed: boolean };
  readonly versions: Record<string, string>;
  /** The commit the pool's source was taken from, `+dirty` when src/ had uncommitted changes. */
  readonly commit: string;
  readonly rows: Row[];
}

interface Args {
  settings: Settings;
  /** Output files by format. */
  outputs: { json?: string; markdown?: string };
  names: string[];
}

function parseArgs(argv: readonly string[]): Args {
  let quick = false;
  const outputs: Args['outputs'] = {};
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--json' || arg === '--markdown') {
      const file = argv[++i];
      if (file === undefined || file.startsWith('-')) throw new Error(`${arg} needs a file name`);
      outputs[arg === '--json' ? 'json' : 'markdown'] = file;
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else if (SCENARIOS.some((s) => s.name === arg)) names.push(arg);
    else {
      const known = SCENARIOS.map((s) => s.name).join(', ');
      throw new Error(`unknown scenario ${JSON.stringify(arg)}; known: ${known}`);
    }
  }
  return { settings: { quick }, outputs, names };
}

function versionOf(path: string): string {
  const url = new URL(path, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

function commitOf(): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return git('rev-parse', '--short', 'HEAD') + (dirty ? '+dirty' : '');
  } catch {
    return 'unknown';
  }
}

const { settings, outputs, names } = parseArgs(process.argv.slice(2));
const chosen = names.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => names.includes(s.name));
const results: Results = {
  date: new Date().toISOString(),
  quick: settings.quick,
  machine: {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    gcExposed,
  },
  versions: {
    'generic-connection-pool': versionOf('../package.json'),
    'generic-pool': versionOf('../node_modules/generic-pool/package.json'),
    tarn: versionOf('../node_modules/tarn/package.json'),
    pg: versionOf('../node_modules/pg/package.json'),
  },
  commit: commitOf(),
  rows: [],
};
const { machine, versions } = results;
console.log(
  `${machine.cpu} (${machine.cores} cores), ${machine.os}, Node.js ${machine.node}` +
    `${gcExposed ? '' : ', without --expose-gc (no GC between rounds, no memory scenario)'}`,
);
console.log(
  `${Object.entries(versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')}; src at ${results.commit}${settings.quick ? '; --quick: smoke run' : ''}`,
);
for (const scenario of chosen) {
  console.log(`\n> ${scenario.name}: ${scenario.title}`);
  const rows = (await scenario.run(settings)).map((row) => ({ scenario: scenario.name, ...row }));
  console.log(textTable(rows));
  results.rows.push(...rows);
}
if (chosen.length > 1) console.log(`\nAll results\n${textTable(results.rows)}`);
if (outputs.json !== undefined) {
  writeFileSync(outputs.json, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${outputs.json}`);
}
if (outputs.markdown !== undefined) {
  writeFileSync(outputs.markdown, `${markdownTable(results.rows)}\n`);
  console.log(`wrote ${outputs.markdown}`);
}
