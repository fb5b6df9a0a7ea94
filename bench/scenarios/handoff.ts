/**
 * Scenario 4: hand-off latency. One connection (maxSize 1) and 1,000 acquirers queued for it; each
 * one that gets it releases it at once and queues again, so the line stays 1,000 long. Measured:
 * the time from calling `release` to the next acquirer running.
 */
import { compare } from '../harness.ts';
import { type Conn, newConn, peers } from '../pools.ts';
import { rowsOf } from '../report.ts';
import { planFor, type Scenario } from '../scenario.ts';

const WAITERS = 1_000;

/** What a waiter does with whatever pool it uses. */
interface Handoffs {
  acquire(): Promise<Conn>;
  release(connection: Conn): unknown;
}

/**
 * Holds the one connection, queues `WAITERS` acquirers behind it, then lets it go around until
 * `ops` hand-offs were timed.
 * @returns the mean nanoseconds from `release` to the next holder running.
 */
async function measure(pool: Handoffs, ops: number): Promise<number> {
  let releasedAt = 0;
  let timed = 0;
  let total = 0;
  const waiter = async (): Promise<void> => {
    while (true) {
      const connection = await pool.acquire();
      const t = performance.now();
      if (releasedAt !== 0 && timed < ops) {
        total += t - releasedAt;
        timed++;
      }
      const again = timed < ops;
      releasedAt = performance.now();
      await pool.release(connection);
      if (!again) return;
    }
  };
  const first = await pool.acquire();
  const waiters = Array.from({ length: WAITERS }, waiter);
  releasedAt = performance.now();
  await pool.release(first);
  await Promise.all(waiters);
  return (total * 1e6) / timed;
}

/** The floor of a hand-off: a bare FIFO of resolvers, with no limits, timers or bookkeeping. */
class FifoFloor implements Handoffs {
  #idle: Conn | null = newConn();
  readonly #waiting: ((connection: Conn) => void)[] = [];

  acquire(): Promise<Conn> {
    const idle = this.#idle;
    if (idle !== null) {
      this.#idle = null;
      return Promise.resolve(idle);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(connection: Conn): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#idle = connection;
    else next(connection);
  }
}

export const handoff: Scenario = {
  name: 'handoff',
  title: `hand-off latency: release to the waiting acquirer running, ${WAITERS} waiters, maxSize 1`,
  async run(settings) {
    const { ours: pool, genericPool: gp, tarn: tp, close } = peers(1, 1);
    const floor = new FifoFloor();
    const samples = await compare(
      [
        {
          name: 'ours',
          run: (ops) =>
            measure({ acquire: () => pool.acquire('db'), release: (c) => pool.release(c) }, ops),
        },
        { name: 'floor', run: (ops) => measure(floor, ops) },
        { name: 'generic-pool', run: (ops) => measure(gp, ops) },
        {
          name: 'tarn',
          run: (ops) =>
            measure({ acquire: () => tp.acquire().promise, release: (c) => tp.release(c) }, ops),
        },
      ],
      planFor(settings, { ops: 20_000, rounds: 15, warmup: 3 }),
    );
    await close();
    return rowsOf(samples, {
      unit: 'ns/op',
      floor: 'floor',
      notes: { floor: 'a bare FIFO of resolve functions: no limits, timers or bookkeeping' },
    });
  },
};
