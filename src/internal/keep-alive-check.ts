/**
 * Keepalive checks: a sweep (keep-alive-sweeper.ts) hands over each idle connection due for one.
 * While checked the connection is reserved (counted as acquired), so no acquirer can take it; the
 * check runs through the outbox once the sweep is over. A connection found alive goes back where
 * `placeOf` says, keeping its idle class and expiry (a check is not a use); one found dead is
 * disposed as rule 8 says. No acquirer's deadline bounds a keepalive check, so it gets
 * `createTimeout`: one that has not answered by then is aborted and its connection counts as dead,
 * or a hung check would hold its room forever.
 */
import { ConnectionPoolTimeoutError } from '../errors.ts';
import type { AcquirePipeline } from './acquire-pipeline.ts';
import type { ConnectionRecord } from './connection-record.ts';
import { isThenable } from './is-thenable.ts';
import type { Ledger } from './ledger.ts';
import type { Outbox } from './outbox.ts';
import { show } from './show.ts';
import { now, startTimer } from './timers.ts';

type Rec<E, C> = ConnectionRecord<E, C>;

export class KeepAliveCheck<E, C> {
  readonly #ledger: Ledger<E, C>;
  readonly #outbox: Outbox;
  readonly #pipeline: AcquirePipeline<E, C>;
  readonly #budget: number;

  /** @param budget milliseconds a check may take (`createTimeout`). */
  constructor(
    ledger: Ledger<E, C>,
    outbox: Outbox,
    pipeline: AcquirePipeline<E, C>,
    budget: number,
  ) {
    this.#ledger = ledger;
    this.#outbox = outbox;
    this.#pipeline = pipeline;
    this.#budget = budget;
  }

  /** A keepalive sweep at `t` found the idle `record` due: it is reserved and checked. */
  start(record: Rec<E, C>, t: number): void {
    record.kept = true;
    this.#ledger.move(record, 'reserved', t);
    record.lastCheckedAt = Math.floor(t);
    this.#outbox.defer(this.#runKeepAliveCheck, record, undefined);
  }

  readonly #runKeepAliveCheck = (record: Rec<E, C>): void => {
    if (record.state !== 'reserved') return; // close({ timeout }) disposed it meanwhile
    const alive = this.#pipeline.check(record);
    if (!isThenable(alive)) {
      this.#keptAlive(record, alive, false);
      return;
    }
    const budget = this.#budget;
    const timer = startTimer(() => this.#keepAliveTimedOut(record, budget), budget, false);
    alive.then(
      (value) => {
        clearTimeout(timer);
        this.#keptAlive(record, value, false);
      },
      () => {
        clearTimeout(timer);
        this.#keptAlive(record, undefined, true);
      },
    );
  };

  /** A keepalive check ran out of `budget` ms: aborted, and its connection handled as dead. */
  #keepAliveTimedOut(record: Rec<E, C>, budget: number): void {
    if (record.state !== 'reserved') return; // close({ timeout }) disposed it meanwhile
    record.context?.abort(
      new ConnectionPoolTimeoutError(
        `Keepalive check of a connection to endpoint ${show(record.endpoint)} did not answer ` +
          `within createTimeout (${budget} ms)`,
      ),
    );
    this.#keptAlive(record, false, false);
  }

  /** A keepalive check ended; a check that threw leaves the connection to the next acquirer's. */
  #keptAlive(record: Rec<E, C>, alive: unknown, failed: boolean): void {
    record.context?.reset();
    if (record.state !== 'reserved') return; // close({ timeout }) disposed it meanwhile
    this.#outbox.enter();
    if (alive === false) {
      this.#pipeline.bury(record, true);
      // Nobody waits for this: an onConnectionDead error has no one to go to.
      this.#outbox.defer(this.#afterKeepAliveDead, record, undefined);
    } else {
      record.suspect = failed;
      this.#pipeline.place(record, 'unused', now(), false);
    }
    this.#outbox.exit();
  }

  readonly #afterKeepAliveDead = (record: Rec<E, C>): void => {
    const handled = this.#pipeline.onConnectionDead(record);
    if (isThenable(handled)) handled.then(undefined, () => undefined);
  };
}
