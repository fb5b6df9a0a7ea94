/**
 * Re-entrant callbacks for the model-based test (SPEC §7, "Re-entrancy"): event listeners and
 * manager hooks that call back into the pool (`acquire`, `release`, `discard`, `prewarm`, `close`,
 * `stats`) in the middle of whatever the pool is doing: an eviction (`dispose:evicted`), a release
 * (`release`, `hook:onRelease`), a close (`dispose:closed`), a create, a check.
 *
 * A step arms a reaction, once or standing; fast-check draws it, so a run replays from its seed.
 * What a reaction does goes through the model like any other call, so every check applies to it.
 * `ReentryBudget` bounds how deep reactions nest and how many run in one run.
 *
 * Portable: imports only fast-check and project files.
 */
import fc from 'fast-check';
import type { DisposeReason } from '../../src/index.ts';
import type { MockHook } from '../../src/testing/index.ts';
import { EVENTS } from '../helpers/pool.ts';
import { HOOKS, onEveryEvent, ReentryBudget } from '../helpers/reentrancy.ts';
import { ENDPOINTS, type Endpoint, type PoolModel } from './pool-model.ts';

const REASONS: readonly DisposeReason[] = [
  'idle',
  'lifetime',
  'dead',
  'evicted',
  'discarded',
  'maxUses',
  'closed',
];

/** When a reaction runs: at an event, at a `dispose` event of one reason, or at a hook call. */
export type Trigger = (typeof EVENTS)[number] | `dispose:${DisposeReason}` | `hook:${MockHook}`;

/** What a reaction does. `n` picks a held connection, as the release step does. */
export type Action =
  | { readonly verb: 'acquire'; readonly endpoint: Endpoint; readonly timeout: number | undefined }
  | { readonly verb: 'release' | 'discard'; readonly n: number }
  | { readonly verb: 'prewarm'; readonly endpoint: Endpoint; readonly count: number }
  | { readonly verb: 'close'; readonly timeout: number | undefined }
  | { readonly verb: 'stats' };

/** A reaction: at `trigger`, do `action`; once, or every time (`standing`). */
export interface Reaction {
  readonly trigger: Trigger;
  readonly action: Action;
  readonly standing: boolean;
}

const TRIGGERS: readonly Trigger[] = [
  ...EVENTS,
  ...REASONS.map((r) => `dispose:${r}` as const),
  ...HOOKS.map((h) => `hook:${h}` as const),
];

const endpoint = fc.constantFrom(...ENDPOINTS);

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    verb: fc.constant('acquire' as const),
    endpoint,
    timeout: fc.constantFrom(undefined, 0, 10, 100, Number.POSITIVE_INFINITY),
  }),
  fc.record({ verb: fc.constantFrom('release' as const, 'discard' as const), n: fc.nat() }),
  fc.record({
    verb: fc.constant('prewarm' as const),
    endpoint,
    count: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ verb: fc.constant('close' as const), timeout: fc.constantFrom(undefined, 0, 20) }),
  fc.record({ verb: fc.constant('stats' as const) }),
);

/** A random reaction. */
export const reaction: fc.Arbitrary<Reaction> = fc.record({
  trigger: fc.constantFrom(...TRIGGERS),
  action,
  standing: fc.boolean(),
});

/** A readable form of a reaction, for step labels. */
export function describeReaction({ trigger, action: a, standing }: Reaction): string {
  const args = Object.entries(a)
    .filter(([key]) => key !== 'verb')
    .map(([, value]) => String(value))
    .join(', ');
  return `${standing ? 'always' : 'once'} at ${trigger}: ${a.verb}(${args})`;
}

/** The armed reactions of one run, wired to the model's pool events and manager calls. */
export class Reactions {
  readonly #model: PoolModel;
  readonly #armed: Reaction[] = [];
  /** At most 3 nested, 40 in all per run: a standing acquire at `acquire` must end. */
  readonly budget = new ReentryBudget(3, 40);

  constructor(model: PoolModel) {
    this.#model = model;
    onEveryEvent(model.pool, (event, payload) => {
      this.#fire(event);
      if (event === 'dispose') this.#fire(`dispose:${payload.reason as DisposeReason}`);
    });
    const previous = model.mock.onCall;
    model.mock.onCall = (call) => {
      previous?.(call);
      this.#fire(`hook:${call.hook}`);
    };
  }

  arm(r: Reaction): void {
    this.#armed.push(r);
  }

  #fire(trigger: Trigger): void {
    for (const r of [...this.#armed]) {
      if (r.trigger !== trigger || this.budget.exhausted) continue;
      // A once reaction is disarmed before it runs: what it does may trigger it again.
      if (!r.standing) this.#armed.splice(this.#armed.indexOf(r), 1);
      this.budget.run(() => this.#act(r.action));
    }
  }

  #act(a: Action): void {
    this.#model.reacting++;
    try {
      this.#do(a);
    } finally {
      this.#model.reacting--;
    }
  }

  #do(a: Action): void {
    const model = this.#model;
    switch (a.verb) {
      case 'acquire':
        model.acquire(a.endpoint, a.timeout, false);
        return;
      case 'release':
      case 'discard':
        model.giveBack(a.n, a.verb);
        return;
      case 'prewarm':
        model.prewarm(a.endpoint, Math.min(a.count, model.config.maxSize));
        return;
      case 'close':
        model.close(a.timeout);
        return;
      case 'stats':
        model.pool.stats();
        return;
    }
  }
}
