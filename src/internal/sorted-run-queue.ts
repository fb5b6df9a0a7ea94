/**
 * A priority queue for keys that mostly arrive in order: deadlines of acquirers that share one
 * timeout, expiry times of connections released one after another. An item not less than the
 * last one appended joins a sorted run, a doubly linked list: O(1) to add, and O(1) to remove,
 * also from the middle. An item that arrives out of order goes to a heap instead (O(log n)). The
 * least item is the lesser of the run's head and the heap's top. Besides O(1) instead of O(log n),
 * the run touches one or two items per operation where a heap's sift touches a path of them
 * scattered in memory.
 */
import { type HeapItem, IndexedHeap } from './indexed-heap.ts';

export interface RunItem<T> extends HeapItem {
  /** Neighbours in the sorted run; `null` at its ends and while not in it. */
  earlier: T | null;
  later: T | null;
}

export class SortedRunQueue<T extends RunItem<T>> {
  readonly #less: (a: T, b: T) => boolean;
  readonly #heap: IndexedHeap<T>;
  #head: T | null = null;
  #tail: T | null = null;
  #runLength = 0;

  /** @param less the order; items it does not order come out in no particular order. */
  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
    this.#heap = new IndexedHeap(less);
  }

  get length(): number {
    return this.#runLength + this.#heap.length;
  }

  /** The least item, or `undefined` when empty. */
  peek(): T | undefined {
    const top = this.#heap.peek();
    const head = this.#head;
    if (head === null) return top;
    return top !== undefined && this.#less(top, head) ? top : head;
  }

  push(item: T): void {
    const tail = this.#tail;
    if (tail !== null && this.#less(item, tail)) {
      this.#heap.push(item);
      return;
    }
    item.earlier = tail;
    item.later = null;
    if (tail === null) this.#head = item;
    else tail.later = item;
    this.#tail = item;
    this.#runLength++;
  }

  /** Removes `item`, which must be in this queue. */
  remove(item: T): void {
    if (item.heapIndex !== -1) {
      this.#heap.remove(item);
      return;
    }
    const { earlier, later } = item;
    if (earlier === null) this.#head = later;
    else earlier.later = later;
    if (later === null) this.#tail = earlier;
    else later.earlier = earlier;
    item.earlier = null;
    item.later = null;
    this.#runLength--;
  }
}
