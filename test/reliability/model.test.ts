// Model-based randomized test of the pool (SPEC §4, §7): random sequences of acquires (endpoints
// of every type rule 1 keys, and ones it cannot key; timeouts 0 to Infinity, aborts), releases,
// discards, misuse, dead connections, failing, slow and hanging hooks (also ones that ignore their
// abort signal), time passing, close, and re-entrant callbacks (reactions.ts: event listeners and
// manager hooks that call acquire, release, discard, prewarm, close and stats), stepped beside the
// reference model in pool-model.ts, whose invariants are checked after every step, at every
// manager call and event, and, after close, that every connection was disposed exactly once and
// that nothing was left pending, running or unhandled.
//
// GCP_MODEL_RUNS sets the number of runs (default 200), GCP_MODEL_STEPS the most steps per run
// (default 80). GCP_MODEL_SEED, GCP_MODEL_PATH and GCP_MODEL_REPLAY (the seed, path and the
// counterexample's replayPath, all printed by fast-check on a failure) replay one.

import assert from 'node:assert/strict';
import process from 'node:process';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { ConnectionManager } from '../../src/index.ts';
import {
  ConnectionNotAcquiredError,
  ConnectionPool,
  ConnectionPoolClosedError,
} from '../../src/index.ts';
import type { MockBehaviour, MockHook } from '../../src/testing/index.ts';
import type { Clock } from '../helpers/pool.ts';
import { assertDisposedExactlyOnce, installClock, NEVER, settle } from '../helpers/pool.ts';
import { watchInstants } from '../helpers/reentrancy.ts';
import { type BudgetConfig, BudgetModel } from './budget-model.ts';
import {
  alias,
  type Conn,
  CountingManager,
  ENDPOINTS,
  InjectedError,
  type ModelConfig,
  PoolModel,
  pick,
} from './pool-model.ts';
import { random } from './random.ts';
import { describeReaction, Reactions, reaction } from './reactions.ts';

const RUNS = Number(process.env.GCP_MODEL_RUNS ?? 200);
/** Generous wall time of one run, in ms (they take 15 to 20 on Node.js 20). */
const RUN_MS = 100;
const SEED =
  process.env.GCP_MODEL_SEED === undefined ? undefined : Number(process.env.GCP_MODEL_SEED);
const PATH = process.env.GCP_MODEL_PATH;
/** The commands' `replayPath` (printed in the counterexample), needed with GCP_MODEL_PATH. */
const REPLAY = process.env.GCP_MODEL_REPLAY;
/** Steps per run; GCP_MODEL_STEPS overrides it. */
const MAX_STEPS = Number(process.env.GCP_MODEL_STEPS ?? 80);

interface World {
  model: PoolModel;
  reactions: Reactions;
  clock: Clock;
  /** Steps run so far. */
  steps: number;
}
type Step = fc.AsyncCommand<World, World>;

/**
 * A step: `act` changes the pool; what it returns is checked once every microtask has run.
 * `after`: the step is left out until this many others have run.
 */
function step(
  label: string,
  act: (w: World) => undefined | (() => void) | Promise<undefined>,
  after = 0,
): Step {
  return {
    check: (w) => w.steps >= after,
    async run(w) {
      w.steps++;
      const then = await act(w);
      await settle(w.clock);
      then?.();
      w.model.check(label);
    },
    toString: () => label,
  };
}

const acquire = fc
  .record({
    endpoint: fc.constantFrom(...ENDPOINTS),
    timeout: fc.constantFrom(undefined, 0, 1, 10, 50, 200, Number.POSITIVE_INFINITY),
    abortable: fc.boolean(),
  })
  .map(({ endpoint, timeout, abortable }) =>
    step(`acquire(${endpoint}, timeout ${timeout}${abortable ? ', signal' : ''})`, ({ model }) => {
      const closed = model.pool.closed;
      const record = model.acquire(endpoint, timeout, abortable);
      if (!closed) return undefined;
      return () => {
        assert.equal(record.state, 'rejected', 'acquire after close');
        assert.ok(record.reason instanceof ConnectionPoolClosedError, 'acquire after close');
      };
    }),
  );

const abort = fc.nat().map((n) =>
  step(`abort(${n})`, ({ model }) => {
    const target = pick(
      model.pending().filter((a) => a.controller !== undefined),
      n,
    );
    if (target === undefined) return undefined;
    target.controller!.abort(new Error(`abort of #${target.seq}`));
    // Rule 7: an abort rejects at once with the signal's reason.
    return () => {
      assert.equal(target.state, 'rejected', `aborted #${target.seq}`);
      assert.equal(target.reason, target.controller!.signal.reason, `aborted #${target.seq}`);
    };
  }),
);

const release = fc.nat().map((n) =>
  step(`release(${n})`, ({ model, reactions }) => {
    const runs = reactions.budget.runs;
    const back = model.giveBack(n, 'release');
    if (back === undefined || back.forced) return undefined;
    const { conn, gone, maybeGone, oldest } = back;
    return () => {
      if (
        !gone &&
        oldest !== undefined &&
        !maybeGone &&
        back.settled === 'fulfilled' &&
        reactions.budget.runs === runs &&
        !model.pool.closed
      ) {
        // Rule 5: handed straight to the oldest waiter (unless a hook failed for it, or still runs).
        const failed = oldest.reason instanceof InjectedError;
        const running = oldest.state === 'pending' && model.mock.serving(conn.endpoint) > 0;
        assert.ok(
          oldest.connection === conn || failed || running,
          `released ${conn.id} should go to the oldest waiter #${oldest.seq}`,
        );
      }
    };
  }),
);

const discard = fc.nat().map((n) =>
  step(`discard(${n})`, ({ model }) => {
    const back = model.giveBack(n, 'discard');
    if (back === undefined || back.forced) return undefined;
    const disposed = () =>
      assert.ok(model.mock.disposedSet.has(back.conn), `discarded ${back.conn.id} is disposed`);
    // At once; with a budget, once its slot is given back (SPEC §9: release before dispose).
    if (model.budget !== undefined) return disposed;
    disposed();
    return undefined;
  }),
);

const misuse = fc
  .record({ n: fc.nat(), verb: fc.constantFrom('release', 'discard') })
  .map(({ n, verb }) =>
    step(`misuse ${verb}(${n})`, ({ model }) => {
      const foreign: Conn = { id: -1, endpoint: 'a', alive: true };
      const candidates = [...model.mock.createdAt.keys()].filter(
        (c) => !model.held.has(c) && !model.givingBack.has(c),
      );
      candidates.push(foreign);
      const conn = pick(candidates, n)!;
      // Rule 12: a connection close({ timeout }) took from its holder may still be given back.
      const forced = model.forced.has(conn);
      const promise = verb === 'release' ? model.pool.release(conn) : model.pool.discard(conn);
      model.expectSettles(
        `${verb} of not-held ${conn.id}`,
        promise,
        (r) => !forced && r instanceof ConnectionNotAcquiredError, // rule 11
      );
      return undefined;
    }),
  );

const kill = fc.nat().map((n) =>
  step(`kill(${n})`, ({ model }) => {
    const conn = pick(model.live(), n);
    if (conn !== undefined) conn.alive = false;
    return undefined;
  }),
);

const advance = fc.constantFrom(1, 5, 20, 60, 250, 2000).map((ms) =>
  step(`advance(${ms})`, async ({ clock }) => {
    await clock.tickAsync(ms);
    return undefined;
  }),
);

/** `deaf`: slow and ignoring the abort signal; `deaf-hang`: never settles, ignoring it. */
type FaultKind = 'ok' | 'error' | 'slow' | 'hang' | 'dead' | 'deaf' | 'deaf-hang';
const FAULTS: Record<MockHook, FaultKind[]> = {
  create: ['ok', 'error', 'slow', 'hang', 'deaf', 'deaf-hang'],
  dispose: ['ok', 'error', 'slow', 'hang', 'deaf', 'deaf-hang'],
  checkAliveness: ['ok', 'error', 'dead', 'slow', 'hang', 'deaf', 'deaf-hang'],
  onAcquire: ['ok', 'error', 'slow'],
  onRelease: ['ok', 'error', 'slow'],
  onConnectionDead: ['ok', 'error', 'slow'],
};

function behaviour(hook: MockHook, kind: FaultKind, delay: number): MockBehaviour {
  switch (kind) {
    case 'ok':
      return {};
    case 'error':
      return { error: new InjectedError(hook) };
    case 'slow':
      return { delay };
    case 'hang':
      return { gate: NEVER };
    case 'dead':
      return { alive: false };
    case 'deaf':
      return { delay, ignoreSignal: true };
    case 'deaf-hang':
      return { gate: NEVER, ignoreSignal: true };
  }
}

const fault = fc
  .record({
    hook: fc.constantFrom(...(Object.keys(FAULTS) as MockHook[])),
    n: fc.nat(),
    delay: fc.integer({ min: 1, max: 150 }),
    standing: fc.boolean(),
  })
  .map(({ hook, n, delay, standing }) => {
    const kind = pick(FAULTS[hook], n)!;
    const timed = kind === 'slow' || kind === 'deaf';
    const label = `${standing ? 'set' : 'once'}(${hook}, ${kind}${timed ? ` ${delay}` : ''})`;
    return step(label, ({ model }) => {
      const b = behaviour(hook, kind, delay);
      if (kind === 'deaf-hang') model.deafHang = true;
      if (standing) model.mock.set(hook, kind === 'ok' ? undefined : b);
      else model.mock.once(hook, b);
      return undefined;
    });
  });

const prewarm = fc
  .record({ endpoint: fc.constantFrom(...ENDPOINTS), count: fc.integer({ min: 0, max: 3 }) })
  .map(({ endpoint, count }) =>
    step(`prewarm(${endpoint}, ${count})`, ({ model }) => {
      model.prewarm(endpoint, Math.min(count, model.config.maxSize));
      return undefined;
    }),
  );

const close = fc.constantFrom(undefined, 0, 10, 100).map((timeout) =>
  step(
    `close(timeout ${timeout})`,
    ({ model }) => {
      const again = model.closing !== undefined;
      const waiting = model.pending();
      model.close(timeout);
      if (again) return undefined;
      return () => {
        // Rule 12: waiters rejected at once, idle connections disposed (those in a check or a
        // hook when close came are disposed when it ends).
        for (const a of waiting) {
          // One busy in a hook (onConnectionDead, a check) is rejected when that ends.
          if (a.state === 'pending' && model.mock.serving(a.endpoint) > 0) continue;
          assert.ok(a.reason instanceof ConnectionPoolClosedError, `#${a.seq} at close`);
        }
        const busy = model.mock.busy();
        for (const conn of model.live())
          assert.ok(model.held.has(conn) || busy.has(conn), `idle ${conn.id} left after close`);
      };
    },
    60,
  ),
);

/** An endpoint rule 1 cannot key (rule 1: a TypeError at acquire, nothing changed). */
class Custom {
  readonly host = 'a';
}
const INVALID: ReadonlyArray<readonly [string, () => unknown]> = [
  ['null', () => null],
  ['true', () => true],
  ['false', () => false],
  ['undefined', () => undefined],
  ['a symbol', () => Symbol('a')],
  ['a bigint', () => 1n],
  ['a function', () => () => 'a'],
  ['a Date', () => new Date(0)],
  ['a Map', () => new Map([['host', 'a']])],
  ['a class instance', () => new Custom()],
  ['an array holding a function', () => ['a', () => 1]],
  ['an object holding a symbol', () => ({ host: Symbol('a') })],
];

const invalidAcquire = fc.constantFrom(...INVALID).map(([label, make]) =>
  step(`acquire(${label})`, ({ model }) => {
    model.acquireInvalid(label, make());
    return undefined;
  }),
);

/** SPEC §9: other processes take or give back slots of an endpoint's scope. */
const othersHold = fc
  .record({ endpoint: fc.constantFrom(...ENDPOINTS), count: fc.integer({ min: 0, max: 3 }) })
  .map(({ endpoint, count }) =>
    step(`budget: others hold ${count} of ${endpoint}`, ({ model }) => {
      model.budget?.holdOthers(endpoint, count);
      return undefined;
    }),
  );

/** SPEC §9: a slot is lost (a lease expired); its connection is retired. */
const loseSlot = fc.nat().map((n) =>
  step(`budget: lose slot ${n}`, ({ model }) => {
    const budget = model.budget;
    if (budget === undefined) return undefined;
    const conn = pick(
      model.live().filter((c) => budget.holders(c.endpoint).has(c)),
      n,
    );
    if (conn !== undefined) budget.lose(conn);
    return undefined;
  }),
);

/** SPEC §9: the budget's engine cannot be reached, or is back. */
const budgetDown = fc.boolean().map((down) =>
  step(`budget: ${down ? 'down' : 'up'}`, ({ model }) => {
    model.budget?.setDown(down);
    return undefined;
  }),
);

const arm = reaction.map((r) =>
  step(describeReaction(r), ({ reactions }) => {
    reactions.arm(r);
    return undefined;
  }),
);

const steps = fc.commands(
  [
    acquire,
    acquire,
    acquire,
    release,
    release,
    discard,
    abort,
    misuse,
    kill,
    advance,
    advance,
    fault,
    fault,
    prewarm,
    close,
    invalidAcquire,
    arm,
    arm,
    othersHold,
    loseSlot,
    budgetDown,
  ],
  { maxCommands: MAX_STEPS, size: 'max', replayPath: REPLAY },
);

/**
 * The pool's options, the manager's `sync` and `bare`, a seed for `Math.random` (backoff jitter)
 * and, in half of the runs, a connection budget.
 */
const config: fc.Arbitrary<ModelConfig & { randomSeed: number; budget: BudgetConfig | undefined }> =
  fc
    .record({
      maxSize: fc.integer({ min: 1, max: 3 }),
      extraTotal: fc.integer({ min: 0, max: 4 }),
      minIdle: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 })),
      idleTimeout: fc.integer({ min: 0, max: 400 }),
      maxLifetime: fc.integer({ min: 20, max: 600 }),
      acquireTimeout: fc.oneof(
        fc.integer({ min: 1, max: 300 }),
        fc.constant(Number.POSITIVE_INFINITY),
      ),
      createTimeout: fc.integer({ min: 5, max: 100 }),
      disposeTimeout: fc.integer({ min: 5, max: 100 }),
      backgroundCollector: fc.boolean(),
      disposeBatchSize: fc.integer({ min: 0, max: 3 }),
      createRetryDelay: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })),
      extraRetryDelay: fc.integer({ min: 0, max: 200 }),
      maxUses: fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.integer({ min: 1, max: 4 })),
      maxWaiters: fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.integer({ min: 0, max: 3 })),
      maintainMinIdle: fc.boolean(),
      maxLifetimeJitter: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.5, noNaN: true })),
      skipAlivenessCheckWithin: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })),
      keepAliveInterval: fc.oneof(fc.constant(0), fc.integer({ min: 5, max: 100 })),
      leakDetectionThreshold: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 200 })),
      sync: fc.boolean(),
      bare: fc.integer({ min: 0, max: 3 }).map((n) => n === 0), // a quarter of the runs
      randomSeed: fc.integer(),
      budget: fc.option(
        fc.record({
          limit: fc.integer({ min: 1, max: 3 }),
          shared: fc.boolean(),
          pollInterval: fc.integer({ min: 1, max: 50 }),
        }),
        { nil: undefined, freq: 2 },
      ),
    })
    .map(({ extraTotal, extraRetryDelay, ...c }) => ({
      ...c,
      createRetryMaxDelay: c.createRetryDelay + extraRetryDelay,
      totalMaxSize: c.maxSize + extraTotal,
      minIdle: Math.min(c.minIdle, c.maxSize),
      idleTimeout: Math.min(c.idleTimeout, c.maxLifetime),
    }));

/**
 * Closes the pool (with a timeout if a hook was told to hang deaf to its abort), gives back every
 * held connection and checks the end state (rules 12, 13).
 */
async function finish({ model, clock }: World): Promise<void> {
  const { pool, mock } = model;
  if (model.closing === undefined) model.close(model.deafHang ? 50 : undefined);
  while (model.held.size > 0) model.giveBack(0, 'release');
  const unsettled = () => model.others.filter((o) => !o.settled && !o.mayHang());
  for (let i = 0; i < 100 && unsettled().length > 0; i++) await clock.tickAsync(100);
  // Deaf creates and checks deliver late: what they return must still be disposed.
  await clock.tickAsync(500);
  await settle(clock);
  model.check('after close');
  assert.deepEqual(
    unsettled().map((o) => o.what),
    [],
    'promises left pending',
  );
  assert.deepEqual(model.pending(), [], 'acquires left pending');
  // A close without timeout may wait for a check that ignores its abort (README).
  if (model.others.some((o) => !o.settled)) return;
  assert.equal(pool.size, 0, 'size after close');
  // SPEC §9: every slot taken was given back (or lost).
  for (const e of ENDPOINTS)
    assert.deepEqual(
      [...(model.budget?.holders(e) ?? [])].map((c) => c.id),
      [],
      `slots of ${e} after close`,
    );
  assertDisposedExactlyOnce(mock as never);
  const running = [...mock.running].filter((c) => c.signal?.aborted !== true);
  assert.deepEqual(
    running.map((c) => `${c.hook} of ${c.connection?.id ?? c.endpoint}`),
    [],
    'hook calls still running after close (and not given up)',
  );
  assert.equal(clock.countTimers(), 0, 'timers left after close');
}

describe('pool against its model (randomized, SPEC §4)', () => {
  const totals = {
    runs: 0,
    bareRuns: 0,
    steps: 0,
    acquires: 0,
    served: 0,
    created: 0,
    faults: 0,
    reentries: 0,
  };
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it(`keeps every invariant through ${RUNS} random runs`, async () => {
    await fc.assert(
      fc.asyncProperty(config, steps, async (cfg, cmds) => {
        unhandled.length = 0;
        const clock = installClock();
        const mathRandom = Math.random;
        try {
          const { sync, bare, randomSeed, budget: budgetConfig, ...options } = cfg;
          Math.random = random(randomSeed);
          const mock = new CountingManager({ sync });
          const manager: ConnectionManager<unknown, Conn> = bare
            ? {
                create: (endpoint, context) => mock.create(endpoint as never, context),
                dispose: (endpoint, conn, context) =>
                  mock.dispose(endpoint as never, conn, context),
              }
            : (mock as unknown as ConnectionManager<unknown, Conn>);
          const budget = budgetConfig === undefined ? undefined : new BudgetModel(budgetConfig);
          const pool = new ConnectionPool<unknown, Conn>(
            manager,
            budget === undefined ? options : { ...options, budget: budget.budget },
          );
          const endpoints = ENDPOINTS.map((e) => alias(e));
          const instants = watchInstants(pool as never, mock as never, endpoints, cfg);
          const model = new PoolModel(cfg, pool, mock, instants, budget);
          const world: World = { model, reactions: new Reactions(model), clock, steps: 0 };
          await fc.asyncModelRun(() => ({ model: world, real: world }), cmds);
          await finish(world);
          totals.runs++;
          if (bare) totals.bareRuns++;
          totals.steps += world.steps;
          totals.acquires += world.model.acquires.length;
          totals.served += world.model.acquires.filter((a) => a.state === 'fulfilled').length;
          totals.created += mock.createdAt.size;
          totals.faults += world.model.faults;
          totals.reentries += world.reactions.budget.runs;
        } finally {
          Math.random = mathRandom;
          clock.uninstall();
        }
        // Unhandled rejections are reported after the macrotask that made them.
        await new Promise((resolve) => (globalThis.setImmediate ?? setTimeout)(resolve));
        assert.deepEqual(unhandled, [], 'unhandled rejections');
      }),
      {
        numRuns: RUNS,
        seed: SEED,
        path: PATH,
        // Shrinking a failure is slow on Node.js 24 (its test runner tracks every promise): a
        // minute after the runs should have ended, report the counterexample as shrunk so far.
        interruptAfterTimeLimit: 60_000 + RUNS * RUN_MS,
        markInterruptAsFailure: true,
      },
    );
    console.log(`model: ${JSON.stringify(totals)}`);
  });
});
