/**
 * The pool's calls into user code, held back until its state is consistent (SPEC §7,
 * re-entrancy). Every operation of the pool (a public call, a timer, a settled manager promise)
 * runs between `enter` and `exit`; event listeners and manager hooks it must call are queued with
 * `defer` instead of being called in the middle of a transition. After the outermost `exit` they
 * run, oldest first. A call one of them makes back into the pool is an operation of its own: it
 * sees finished state, and what it queues runs after what is already queued.
 *
 * The queue is one flat array of `(fn, a, b)` triples, used from index 0 up to `#end` and never
 * shrunk: queueing takes no closure and, once the array has grown, no allocation.
 */

/** A deferred call: a method bound once by its owner, with its two arguments. */
export type Deferred<A, B> = (a: A, b: B) => void;

export class Outbox {
  readonly #queue: unknown[] = [];
  /** Where the next triple goes; 0 when nothing is queued. */
  #end = 0;
  #depth = 0;
  #running = false;

  /** An operation starts; deferred calls wait until the outermost one has ended. */
  enter(): void {
    this.#depth++;
  }

  /** An operation ends; after the outermost one, runs what is queued. */
  exit(): void {
    if (--this.#depth === 0 && !this.#running && this.#end > 0) this.#run();
  }

  /**
   * Calls `fn(a, b)` once no operation is in progress, after what is queued already: at once when
   * none is.
   */
  defer<A, B>(fn: Deferred<A, B>, a: A, b: B): void {
    if (this.#depth === 0 && !this.#running) {
      fn(a, b);
      return;
    }
    const queue = this.#queue;
    const end = this.#end;
    queue[end] = fn;
    queue[end + 1] = a;
    queue[end + 2] = b;
    this.#end = end + 3;
  }

  #run(): void {
    this.#running = true;
    const queue = this.#queue;
    for (let i = 0; i < this.#end; i += 3) {
      const fn = queue[i] as Deferred<unknown, unknown>;
      const a = queue[i + 1];
      const b = queue[i + 2];
      queue[i] = queue[i + 1] = queue[i + 2] = undefined;
      try {
        fn(a, b);
      } catch (error) {
        // Listeners and hooks are called through guards that catch; this is a bug of the pool.
        // Surface it, and run the rest of the queue so nothing is left waiting.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    this.#end = 0;
    this.#running = false;
  }
}
