/** What a scenario file exports, and the settings it runs with. */
import type { Plan } from './harness.ts';
import type { ScenarioRow } from './report.ts';

/** How `npm run bench` was asked to run. */
export interface Settings {
  /** A short smoke run for CI: a few rounds, small sizes; its numbers mean little. */
  readonly quick: boolean;
}

/** One benchmark scenario, runnable by `name`. */
export interface Scenario {
  readonly name: string;
  /** One line: what is measured. */
  readonly title: string;
  run(settings: Settings): Promise<ScenarioRow[]>;
}

/** `full` for a real run; for `--quick`, a tenth of the operations over 3 rounds after 1 warmup. */
export function planFor(settings: Settings, full: Plan): Plan {
  if (!settings.quick) return full;
  return { ops: Math.max(1, Math.floor(full.ops / 10)), rounds: 3, warmup: 1 };
}
