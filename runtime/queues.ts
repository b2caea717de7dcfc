// Run queues of task ids: a worker's bounded local queue (Tokio's 256-slot ring) and the global injection queue.

/** tokio/src/runtime/scheduler/multi_thread/queue.rs `LOCAL_QUEUE_CAPACITY`. */
export const LOCAL_QUEUE_CAPACITY = 256;

/**
 * A FIFO of task ids with amortised O(1) push and pop at both ends' usual places; plain arrays inside,
 * so checkpoints copy it as data.
 */
export class Deque {
  items: number[] = [];
  head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(id: number): void {
    this.items.push(id);
  }

  shift(): number | undefined {
    if (this.head >= this.items.length) return undefined;
    const id = this.items[this.head++]!;
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return id;
  }

  /** Removes and returns up to n ids from the front. */
  shiftMany(n: number): number[] {
    const out = this.items.slice(this.head, this.head + n);
    this.head += out.length;
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  remove(id: number): boolean {
    const i = this.items.indexOf(id, this.head);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }

  toArray(): number[] {
    return this.items.slice(this.head);
  }

  includes(id: number): boolean {
    return this.items.indexOf(id, this.head) >= 0;
  }
}

/**
 * A worker's local run queue. The owner pushes at the back and pops at the front; stealers take from
 * the front too (the oldest tasks). When it is full, half of it moves to the injection queue.
 */
export class LocalQueue extends Deque {
  constructor(readonly capacity: number) {
    super();
  }

  get full(): boolean {
    return this.length >= this.capacity;
  }

  remainingSlots(): number {
    return this.capacity === Infinity ? Number.MAX_SAFE_INTEGER : this.capacity - this.length;
  }
}

/** The global injection queue: tasks scheduled from outside a worker (timers, other runtimes, overflow). */
export class InjectQueue extends Deque {}
