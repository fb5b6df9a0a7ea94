/**
 * An intrusive doubly linked list: nodes carry their own `prev`/`next` links, so pushing,
 * popping and removing a node from the middle are O(1) and allocate nothing. A node belongs to
 * at most one list at a time; its links are `null` while it is in none.
 */
export interface Linked<T> {
  prev: T | null;
  next: T | null;
}

export class LinkedList<T extends Linked<T>> {
  head: T | null = null;
  tail: T | null = null;
  length = 0;

  /** Appends `node` at the tail. */
  push(node: T): void {
    node.prev = this.tail;
    node.next = null;
    if (this.tail === null) this.head = node;
    else this.tail.next = node;
    this.tail = node;
    this.length++;
  }

  /** Inserts `node` at the head. */
  unshift(node: T): void {
    node.next = this.head;
    node.prev = null;
    if (this.head === null) this.tail = node;
    else this.head.prev = node;
    this.head = node;
    this.length++;
  }

  /** Unlinks `node`, which must be in this list. */
  remove(node: T): void {
    const { prev, next } = node;
    if (prev === null) this.head = next;
    else prev.next = next;
    if (next === null) this.tail = prev;
    else next.prev = prev;
    node.prev = null;
    node.next = null;
    this.length--;
  }
}
