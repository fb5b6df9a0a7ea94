import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IndexedHeap } from '../../src/internal/indexed-heap.ts';
import { random } from '../reliability/random.ts';

interface Item {
  key: number;
  heapIndex: number;
}

describe('IndexedHeap', () => {
  it('pops in key order after pushes, removals from the middle and re-keying', () => {
    const next = random(7);
    const heap = new IndexedHeap<Item>((a, b) => a.key < b.key);
    const live = new Set<Item>();
    for (let i = 0; i < 2000; i++) {
      const op = next();
      if (op < 0.5 || live.size === 0) {
        const item = { key: Math.floor(next() * 100), heapIndex: -1 };
        heap.push(item);
        live.add(item);
      } else if (op < 0.75) {
        const item = [...live][Math.floor(next() * live.size)] as Item;
        heap.remove(item);
        assert.equal(item.heapIndex, -1);
        live.delete(item);
      } else {
        const item = [...live][Math.floor(next() * live.size)] as Item;
        item.key = Math.floor(next() * 100);
        heap.update(item);
      }
      assert.equal(heap.length, live.size);
      const least = Math.min(...[...live].map((item) => item.key));
      assert.equal(heap.peek()?.key, live.size === 0 ? undefined : least);
    }
    const popped: number[] = [];
    for (let item = heap.peek(); item !== undefined; item = heap.peek()) {
      popped.push(item.key);
      heap.remove(item);
    }
    assert.deepEqual(
      popped,
      [...popped].sort((a, b) => a - b),
    );
    assert.equal(popped.length, live.size);
  });
});
