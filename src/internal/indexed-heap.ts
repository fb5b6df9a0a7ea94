/**
 * A binary min-heap whose items remember their position (`heapIndex`), so any item can be removed
 * or re-keyed in O(log n) without a search. `heapIndex` is -1 while an item is in no heap; an item
 * may be in at most one heap at a time. The order is given by `less`, fixed at construction.
 */
export interface HeapItem {
  heapIndex: number;
}

export class IndexedHeap<T extends HeapItem> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  get length(): number {
    return this.#items.length;
  }

  /** The least item, or `undefined` when empty. */
  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const index = this.#items.length;
    this.#items.push(item);
    item.heapIndex = index;
    this.#up(index);
  }

  /** Removes `item`, which must be in this heap. */
  remove(item: T): void {
    const index = item.heapIndex;
    const last = this.#items.pop() as T;
    item.heapIndex = -1;
    if (last === item) return;
    this.#items[index] = last;
    last.heapIndex = index;
    this.update(last);
  }

  /** Restores the order after `item`'s key changed. */
  update(item: T): void {
    this.#up(item.heapIndex);
    this.#down(item.heapIndex);
  }

  #up(index: number): void {
    const items = this.#items;
    const item = items[index] as T;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex] as T;
      if (!this.#less(item, parent)) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = item;
    item.heapIndex = index;
  }

  #down(index: number): void {
    const items = this.#items;
    const length = items.length;
    const item = items[index] as T;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && this.#less(items[right] as T, items[left] as T)) child = right;
      const childItem = items[child] as T;
      if (!this.#less(childItem, item)) break;
      items[index] = childItem;
      childItem.heapIndex = index;
      index = child;
    }
    items[index] = item;
    item.heapIndex = index;
  }
}
