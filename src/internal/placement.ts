/**
 * Where a connection goes when it comes back to the pool: to the oldest waiter of its endpoint,
 * to idle, or to be disposed (and why). The one place that decides it, for every way back:
 * - `released` by its user (rules 2, 10, 12, `maxUses`);
 * - `created` for the pool, fresh;
 * - `unused`: taken for an acquirer or a keepalive check that did not end in a use (a check threw,
 *   keepalive found it alive, `onAcquire` failed, the acquirer left). One taken from idle keeps its
 *   idle class and expiry (`record.kept`): a check is not a use.
 * The decision is pure: it reads the record, its endpoint and the options, and for `to-idle` it sets
 * `record.persistent` and `record.expiresAt` for the ledger to file it by.
 */
import type { DisposeReason } from '../events.ts';
import type { ResolvedOptions } from '../options.ts';
import type { ConnectionRecord } from './connection-record.ts';

/** How a connection comes back. */
export type Return = 'released' | 'created' | 'unused';

/**
 * Where it goes: `to-waiter` (the oldest of its endpoint), `to-idle`, or disposed for a reason
 * (a {@link DisposeReason}, one of which is also called `'idle'`).
 */
export type Placement = 'to-waiter' | 'to-idle' | DisposeReason;

/** The options the decision reads. */
export type PlacementOptions = Pick<
  ResolvedOptions<unknown>,
  'minIdle' | 'idleTimeout' | 'maxUses'
>;

/** Why an idle connection expires: its lifetime, or (extra) its idle time. */
export function expiryReason(record: { expiresAt: number; lifetimeEndsAt: number }): DisposeReason {
  return record.expiresAt === record.lifetimeEndsAt ? 'lifetime' : 'idle';
}

/**
 * Decides where `record` goes at `t`.
 * @param closed whether the pool is closed (then everything is disposed).
 */
export function placeOf<E, C>(
  record: ConnectionRecord<E, C>,
  how: Return,
  t: number,
  closed: boolean,
  options: PlacementOptions,
): Placement {
  if (closed) return 'closed';
  if (record.retired) return 'dead';
  if (record.lifetimeEndsAt <= t) return 'lifetime';
  if (how === 'released' && record.uses >= options.maxUses) return 'maxUses';
  const kept = how === 'unused' && record.kept;
  // Nothing past its idle expiry is handed out (rule 10).
  if (kept && record.expiresAt <= t) return expiryReason(record);
  const ep = record.pool;
  if (ep.waiters.head !== null) return 'to-waiter';
  if (kept) return 'to-idle';
  // Rule 2: persistent while persistent idle + other acquired connections are fewer than minIdle.
  const persistent = ep.persistent.length + ep.acquired - 1 < options.minIdle;
  record.persistent = persistent;
  record.expiresAt = persistent
    ? record.lifetimeEndsAt
    : Math.min(Math.floor(record.lastReleasedAt + options.idleTimeout), record.lifetimeEndsAt);
  return record.expiresAt <= t ? expiryReason(record) : 'to-idle';
}
