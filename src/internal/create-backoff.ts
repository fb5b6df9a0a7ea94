/**
 * Create backoff: after a failed create an endpoint waits before its next one, `createRetryDelay`
 * ms, doubled by each further failure up to `createRetryMaxDelay`; the first wait is exact, later
 * ones jittered so that pools do not retry in step. The per-endpoint state lives on the
 * {@link EndpointPool} (`failures`, `retryAt`, `failedMark`, `wake`); this owns the heap of
 * endpoint wake-ups and one timer for the earliest, which lets the process exit. An endpoint is
 * woken when its wait ends (with `maintainMinIdle`, to refill it) or else once it has been quiet
 * for the longest wait (its failures are then forgotten).
 */
import type { EndpointPool } from '../endpoint-pool.ts';
import { EndpointUnavailableError } from '../errors.ts';
import type { ResolvedOptions } from '../options.ts';
import { DeadlineTimer } from './deadline-timer.ts';
import { IndexedHeap } from './indexed-heap.ts';
import { show } from './show.ts';
import { Wake } from './wake.ts';

const byWakeTime = (a: { at: number }, b: { at: number }): boolean => a.at < b.at;

/** The options the backoff reads. */
export type BackoffOptions = Pick<
  ResolvedOptions<unknown>,
  'createRetryDelay' | 'createRetryMaxDelay' | 'maintainMinIdle'
>;

/** Spaces out the creates of endpoints whose creates fail. */
export class CreateBackoff<E, C> {
  readonly #delay: number;
  readonly #maxDelay: number;
  readonly #maintainMinIdle: boolean;
  readonly #onWake: (ep: EndpointPool<E, C>) => void;
  readonly #wakes = new IndexedHeap<Wake<EndpointPool<E, C>>>(byWakeTime);
  readonly #timer = new DeadlineTimer(() => this.#wakeUp(), false);

  /**
   * @param onWake called for an endpoint whose wait is over (with `maintainMinIdle`) or that has
   *   been quiet for the longest wait (without it; its failures are reset first).
   */
  constructor(options: BackoffOptions, onWake: (ep: EndpointPool<E, C>) => void) {
    this.#delay = options.createRetryDelay;
    this.#maxDelay = options.createRetryMaxDelay;
    this.#maintainMinIdle = options.maintainMinIdle;
    this.#onWake = onWake;
  }

  /**
   * A create of `ep` failed at `t` and no other failure was counted since it started: its next
   * create waits until `ep.retryAt`.
   * @param mark the next create's sequence number: failures of creates started before it belong
   *   to this one.
   */
  failed(ep: EndpointPool<E, C>, t: number, mark: number): void {
    ep.failures++;
    ep.failedMark = mark;
    const nominal = Math.min(this.#maxDelay, this.#delay * 2 ** (ep.failures - 1));
    ep.retryAt = t + (ep.failures === 1 ? nominal : nominal * (0.5 + Math.random() / 2));
    // maintainMinIdle creates again when the wait ends; otherwise the endpoint may be forgotten
    // once it has been quiet for the longest wait.
    ep.wake ??= new Wake(ep);
    ep.wake.set(this.#wakes, ep.retryAt + (this.#maintainMinIdle ? 0 : this.#maxDelay));
    this.#timer.schedule(ep.wake.at);
  }

  /**
   * The backoff of `ep` is over: a create succeeded, or the endpoint has been quiet for the
   * longest wait.
   */
  recovered(ep: EndpointPool<E, C>): void {
    ep.failures = 0;
    ep.retryAt = 0;
    if (ep.wake !== null && ep.wake.heapIndex !== -1) this.#wakes.remove(ep.wake);
  }

  /** The error for an acquire or prewarm of `endpoint` at `t` while `ep` backs off. */
  unavailableError(endpoint: E, ep: EndpointPool<E, C>, t: number): EndpointUnavailableError {
    return new EndpointUnavailableError(
      `Endpoint ${show(endpoint)} is unavailable: ${ep.failures} create(s) in a row failed, the ` +
        `next may start in ${Math.ceil(ep.retryAt - t)} ms (createRetryDelay ${this.#delay} ms, ` +
        `createRetryMaxDelay ${this.#maxDelay} ms)`,
      { cause: ep.lastCreateError },
    );
  }

  /** Stops the timer (the pool is closed). */
  cancel(): void {
    this.#timer.cancel();
  }

  #wakeUp(): void {
    this.#timer.drain(
      this.#wakes,
      (wake) => wake.at,
      (wake) => {
        this.#wakes.remove(wake);
        const ep = wake.owner;
        if (this.#maintainMinIdle) {
          this.#onWake(ep);
        } else if (ep.creating === 0) {
          // Quiet for the longest wait: its failures are history.
          this.recovered(ep);
          this.#onWake(ep);
        }
      },
    );
  }
}
