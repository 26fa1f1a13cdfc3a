import { describe, expect, it } from 'vitest';
import { WorkQueue } from '@lk/controllers';

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    queue.add('a');
    queue.add('b');
    expect(queue.length).toBe(2);
    expect(await queue.get()).toBe('a');
    expect(await queue.get()).toBe('b');
  });

  it('processes a key added during its processing once more afterwards, not concurrently', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    const key = await queue.get();
    queue.add('a');
    expect(queue.length).toBe(0);
    queue.done(key!);
    expect(queue.length).toBe(1);
    expect(await queue.get()).toBe('a');
  });

  it('backs off a failing key exponentially and forgets it on success', async () => {
    const queue = new WorkQueue(20, 1000);
    const started = Date.now();
    queue.addRateLimited('a');
    expect(await queue.get()).toBe('a');
    queue.done('a');
    const first = Date.now() - started;
    queue.addRateLimited('a');
    expect(await queue.get()).toBe('a');
    queue.done('a');
    const second = Date.now() - started - first;
    expect(first).toBeGreaterThanOrEqual(15);
    expect(second).toBeGreaterThanOrEqual(35);
    expect(queue.retries('a')).toBe(2);
    queue.forget('a');
    expect(queue.retries('a')).toBe(0);
  });

  it('wakes waiting workers with nothing when shut down', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.shutdown();
    expect(await waiting).toBeUndefined();
    queue.add('late');
    expect(queue.length).toBe(0);
  });
});
