/**
 * The FIFO of acquirers waiting at one endpoint, plus how many of them are *covered*: connections
 * being created for this endpoint will serve the oldest `covers` waiters (a finished create goes to
 * the oldest waiter, whoever started it). `firstUncovered` is the oldest waiter that no create in
 * flight will serve, or `null`; it is kept up to date in O(1) by every operation, so the pool can
 * order endpoints that wait for total capacity by the arrival of their first uncovered waiter.
 *
 * Waiters carry an arrival number `seq`; the queue is always sorted by it (`insert` keeps it so).
 */
import { type Linked, LinkedList } from './linked-list.ts';

export interface Waiter<T> extends Linked<T> {
  readonly seq: number;
}

export class WaiterQueue<T extends Waiter<T>> extends LinkedList<T> {
  /** Creates in flight for this endpoint. */
  covers = 0;
  /** The oldest waiter at an index `>= covers`, or `null`. */
  firstUncovered: T | null = null;

  /**
   * Queues `waiter` in arrival order: at the tail when it is the newest (the usual case, O(1)),
   * else before the first waiter that came after it (one that went back in line after a dead
   * connection keeps its place).
   */
  insert(waiter: T): void {
    let after = this.tail;
    while (after !== null && after.seq > waiter.seq) after = after.prev;
    if (after === this.tail) super.push(waiter);
    else if (after === null) super.unshift(waiter);
    else {
      const before = after.next as T;
      waiter.prev = after;
      waiter.next = before;
      after.next = waiter;
      before.prev = waiter;
      this.length++;
    }
    const first = this.firstUncovered;
    if (first === null) {
      if (this.length > this.covers) this.firstUncovered = this.tail;
    } else if (waiter.seq < first.seq) {
      // Everyone from the new waiter on moves one place back: the waiter now just before the old
      // boundary is the first uncovered one.
      this.firstUncovered = first.prev;
    }
  }

  override remove(waiter: T): void {
    const first = this.firstUncovered;
    if (first !== null && (waiter === first || waiter.seq < first.seq)) {
      // The boundary moves one waiter on: `first` itself leaves, or a covered one leaves and
      // `first` moves into the covered part.
      this.firstUncovered = first.next;
    }
    super.remove(waiter);
  }

  /** A create started: it will serve one more waiter. */
  cover(): void {
    this.covers++;
    if (this.firstUncovered !== null) this.firstUncovered = this.firstUncovered.next;
  }

  /** A create finished (before its connection or error is handed to the head, if any). */
  uncover(): void {
    this.covers--;
    if (this.firstUncovered !== null) this.firstUncovered = this.firstUncovered.prev;
    else if (this.length > this.covers) this.firstUncovered = this.tail;
  }
}
