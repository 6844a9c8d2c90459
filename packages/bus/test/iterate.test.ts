import { describe, expect, it } from 'vitest';
import { iterate, MemoryBus } from '../src/index.ts';

describe('iterate', () => {
  it('yields every event published after it subscribed, mapped, and stops on return', async () => {
    const bus = new MemoryBus();
    const events = await iterate(bus, ['a', 'b'], (p, channel) =>
      (p as number) < 0 ? undefined : `${channel}:${p}`,
    );
    await bus.publish('a', 1);
    await bus.publish('b', -1); // filtered out
    await bus.publish('b', 2);
    expect(await events.next()).toEqual({ value: 'a:1', done: false });
    expect(await events.next()).toEqual({ value: 'b:2', done: false });
    const pending = events.next();
    await bus.publish('a', 3);
    expect(await pending).toEqual({ value: 'a:3', done: false });
    await events.return?.();
    await bus.publish('a', 4);
    expect(await events.next()).toEqual({ value: undefined, done: true });
    await bus.close();
  });
});
