import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WaiterQueue } from '../../src/internal/waiter-queue.ts';
import { random } from '../reliability/random.ts';

interface Node {
  seq: number;
  prev: Node | null;
  next: Node | null;
}

function contents(queue: WaiterQueue<Node>): number[] {
  const seqs: number[] = [];
  for (let node = queue.head; node !== null; node = node.next) seqs.push(node.seq);
  return seqs;
}

describe('WaiterQueue', () => {
  it('keeps arrival order and the first uncovered waiter through every operation', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const queue = new WaiterQueue<Node>();
      // The model: an array in queue order, and the number of creates in flight.
      let model: Node[] = [];
      let covers = 0;
      let seq = 1000;
      for (let step = 0; step < 200; step++) {
        const op = Math.floor(next() * 6);
        if (op === 0 || op === 1) {
          seq += 10;
          const node: Node = { seq, prev: null, next: null };
          queue.insert(node);
          model.push(node);
        } else if (op === 2) {
          // A waiter back in line after a dead connection: older than some of those queued.
          const node: Node = {
            seq: seq - 10 * Math.floor(next() * (model.length + 1)) - 1 - step / 1000,
            prev: null,
            next: null,
          };
          queue.insert(node);
          model = [
            ...model.filter((n) => n.seq < node.seq),
            node,
            ...model.filter((n) => n.seq > node.seq),
          ];
        } else if (op === 3 && model.length > 0) {
          const node = model[Math.floor(next() * model.length)] as Node;
          queue.remove(node);
          model = model.filter((n) => n !== node);
        } else if (op === 4) {
          // A create starts only for an uncovered waiter.
          if (model.length > covers) {
            queue.cover();
            covers++;
          }
        } else if (covers > 0) {
          // A create finishes and its result goes to the head, if any.
          queue.uncover();
          covers--;
          const head = model.shift();
          if (head !== undefined) queue.remove(head);
        }
        assert.deepEqual(
          contents(queue),
          model.map((n) => n.seq),
          `seed ${seed} step ${step}`,
        );
        assert.equal(queue.length, model.length);
        assert.equal(queue.covers, covers);
        assert.equal(queue.firstUncovered, model[covers] ?? null, `seed ${seed} step ${step}`);
      }
    }
  });
});
