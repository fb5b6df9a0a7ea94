/**
 * The contenders' pools, each configured to the same sizes, with connections that are plain
 * objects made by a trivial synchronous manager (no I/O). Only the construction is shared: every
 * scenario writes its own loop per pool, so each call site sees one pool type, as in an application.
 * The one exception is handoff's `measure`, which drives all four through one `Handoffs` interface.
 * `peers` gives each pool with no per-use work; `validatingPeers` the same pools with the per-use
 * hooks a real driver has, each pool's own way.
 */
import * as genericPool from 'generic-pool';
import * as tarn from 'tarn';
import { ConnectionPool, type PoolOptions } from '../src/index.ts';

/** A connection: a plain object with nothing behind it. */
export interface Conn {
  readonly id: number;
}

let nextId = 0;

/** A fresh connection object. */
export function newConn(): Conn {
  return { id: nextId++ };
}

/**
 * This package's pool over `create` (default `newConn`): no aliveness check, no hooks (as
 * generic-pool's defaults).
 */
export function ours<E = string>(
  options: PoolOptions<E>,
  create: () => Conn = newConn,
): ConnectionPool<E, Conn> {
  return new ConnectionPool<E, Conn>({ create, dispose: () => {} }, options);
}

/**
 * The floor: an array used as a stack, with async acquire and release, no limits and no
 * bookkeeping. Nothing real can be cheaper.
 */
export class Floor {
  protected readonly stack: Conn[] = [];

  async acquire(): Promise<Conn> {
    return this.stack.pop() ?? newConn();
  }

  async release(connection: Conn): Promise<void> {
    this.stack.push(connection);
  }
}

/**
 * The floor plus one read of the monotonic clock in `acquire` and one in `release`: the least a
 * pool pays that must know at both whether a connection has expired (rule 10: nothing expired is
 * handed out, and a release past `maxLifetime` disposes). It shows what the clock alone costs.
 */
export class ClockedFloor extends Floor {
  /** What its rows in the results are. */
  static readonly note =
    'the floor plus one performance.now() in acquire and one in release, the reads rule 10 needs ' +
    '(nothing expired handed out, a release past maxLifetime disposed): what the clock alone costs';

  /** The last time read, kept so that no read can be optimized away. */
  lastRead = 0;

  override async acquire(): Promise<Conn> {
    this.lastRead = performance.now();
    return this.stack.pop() ?? newConn();
  }

  override async release(connection: Conn): Promise<void> {
    this.lastRead = performance.now();
    this.stack.push(connection);
  }
}

/** `generic-pool` over `create` with `max` and `min` (its other options at their defaults). */
export function genericPoolOf(
  max: number,
  min: number,
  create: () => Conn = newConn,
): genericPool.Pool<Conn> {
  return genericPool.createPool<Conn>(
    { create: async () => create(), destroy: async () => {} },
    { max, min },
  );
}

/** Drains and clears a `generic-pool`. */
export async function closeGenericPool<T>(pool: genericPool.Pool<T>): Promise<void> {
  await pool.drain();
  await pool.clear();
}

/** `tarn` over `create` with `max` and `min` (its other options at their defaults). */
export function tarnOf(max: number, min: number, create: () => Conn = newConn): tarn.Pool<Conn> {
  return new tarn.Pool<Conn>({ create: async () => create(), destroy: () => {}, max, min });
}

/** This package's pool, generic-pool and tarn, for one endpoint of the same sizes. */
export interface Peers {
  readonly ours: ConnectionPool<string, Conn>;
  readonly genericPool: genericPool.Pool<Conn>;
  readonly tarn: tarn.Pool<Conn>;
  /** Closes all three. */
  close(): Promise<unknown>;
}

/** The three pools with at most `max` connections, `min` of them kept idle. */
export function peers(max: number, min: number): Peers {
  const pool = ours<string>({ maxSize: max, minIdle: min });
  const gp = genericPoolOf(max, min);
  const tp = tarnOf(max, min);
  return {
    ours: pool,
    genericPool: gp,
    tarn: tp,
    close: () => Promise.all([pool.close(), closeGenericPool(gp), tp.destroy()]),
  };
}

/** An aliveness check as drivers write it: async, with nothing to wait for. */
async function aliveAsync(): Promise<boolean> {
  return true;
}

/** A per-use hook as drivers write it: async, with nothing to wait for. */
async function hookAsync(): Promise<void> {}

/**
 * The three pools of `peers`, each with what a real driver adds to every use: ours with an async
 * `checkAliveness`, `onAcquire` and `onRelease`; generic-pool with `testOnBorrow` and an async
 * `validate`; tarn with `validate` (tarn calls it synchronously: it takes no promise).
 */
export function validatingPeers(max: number, min: number): Peers {
  const pool = new ConnectionPool<string, Conn>(
    {
      create: newConn,
      dispose: () => {},
      checkAliveness: aliveAsync,
      onAcquire: hookAsync,
      onRelease: hookAsync,
    },
    { maxSize: max, minIdle: min },
  );
  const gp = genericPool.createPool<Conn>(
    { create: async () => newConn(), destroy: async () => {}, validate: aliveAsync },
    { max, min, testOnBorrow: true },
  );
  const tp = new tarn.Pool<Conn>({
    create: async () => newConn(),
    destroy: () => {},
    validate: () => true,
    max,
    min,
  });
  return {
    ours: pool,
    genericPool: gp,
    tarn: tp,
    close: () => Promise.all([pool.close(), closeGenericPool(gp), tp.destroy()]),
  };
}

/** The contender names of `validatingPeers`' pools in the results. */
export const VALIDATING = {
  ours: 'ours, async hooks',
  genericPool: 'generic-pool, validate',
  tarn: 'tarn, validate',
} as const;

/** The notes of `validatingPeers`' rows. */
export const validatingNotes: Readonly<Record<string, string>> = {
  [VALIDATING.ours]:
    'async checkAliveness, onAcquire and onRelease (every driver has them); "cost vs ours" is against ours without hooks',
  [VALIDATING.genericPool]:
    'testOnBorrow with an async validate, its like-for-like; "cost vs ours" is against ours, async hooks',
  [VALIDATING.tarn]: 'validate (synchronous in tarn); "cost vs ours" is against ours, async hooks',
};

/** Each validating peer is compared with ours, async hooks (the "cost vs ours" column). */
export const validatingReferences: Readonly<Record<string, string>> = {
  [VALIDATING.genericPool]: VALIDATING.ours,
  [VALIDATING.tarn]: VALIDATING.ours,
};
