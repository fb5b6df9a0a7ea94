/**
 * An entry of a heap of wake-ups: `owner` wants to be woken at `at`. It lets an object that is
 * already in one {@link IndexedHeap} (which allows one heap per item) also wait in another.
 */
import type { HeapItem, IndexedHeap } from './indexed-heap.ts';

export class Wake<T> implements HeapItem {
  readonly owner: T;
  at = 0;
  heapIndex = -1;

  constructor(owner: T) {
    this.owner = owner;
  }

  /** Puts it in `heap` at `at`, or moves it there if it is already in. */
  set(heap: IndexedHeap<Wake<T>>, at: number): void {
    this.at = at;
    if (this.heapIndex === -1) heap.push(this);
    else heap.update(this);
  }
}
