import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SortedRunQueue } from '../../src/internal/sorted-run-queue.ts';
import { random } from '../reliability/random.ts';

interface Item {
  deadline: number;
  seq: number;
  heapIndex: number;
  earlier: Item | null;
  later: Item | null;
}

const key = (item: Item): string => `${item.deadline}/${item.seq}`;
const order = (a: Item, b: Item): number => a.deadline - b.deadline || a.seq - b.seq;
const less = (a: Item, b: Item): boolean => order(a, b) < 0;

describe('SortedRunQueue', () => {
  it('peeks the least item through in-order and out-of-order pushes and removals', () => {
    const next = random(11);
    const queue = new SortedRunQueue<Item>(less);
    const live = new Set<Item>();
    let seq = 0;
    let clock = 0;
    for (let i = 0; i < 3000; i++) {
      const op = next();
      if (op < 0.55 || live.size === 0) {
        clock += Math.floor(next() * 3);
        // Mostly one timeout (keys in order, ties included), sometimes a shorter one.
        const timeout = next() < 0.8 ? 100 : Math.floor(next() * 100);
        const item = {
          deadline: clock + timeout,
          seq: ++seq,
          heapIndex: -1,
          earlier: null,
          later: null,
        };
        queue.push(item);
        live.add(item);
      } else {
        // Mostly the least (served in order), sometimes any.
        const sorted = [...live].sort(order);
        const item = next() < 0.6 ? sorted[0]! : sorted[Math.floor(next() * sorted.length)]!;
        queue.remove(item);
        assert.equal(item.heapIndex, -1);
        assert.equal(item.earlier, null);
        assert.equal(item.later, null);
        live.delete(item);
      }
      assert.equal(queue.length, live.size);
      assert.equal(queue.peek(), [...live].sort(order)[0], `step ${i}`);
    }
    const drained: string[] = [];
    for (let item = queue.peek(); item !== undefined; item = queue.peek()) {
      drained.push(key(item));
      queue.remove(item);
    }
    assert.deepEqual(drained, [...live].sort(order).map(key));
    assert.equal(queue.length, 0);
  });
});
