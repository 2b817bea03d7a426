import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus, RedisBus, type Bus } from '../../server/bus';
import { createLogger } from '../../server/log';
import { testRedisUrl } from '../helpers/hub';

const log = createLogger('error');
const redisUrl = testRedisUrl();

/** One contract, every implementation: what the hub relies on from a bus. */
function contract(name: string, make: () => Promise<Bus>, makePeer: () => Promise<Bus>) {
  describe(`bus contract: ${name}`, () => {
    const open: Bus[] = [];
    const bus = async () => {
      const b = await make();
      open.push(b);
      return b;
    };
    const peer = async () => {
      const b = await makePeer();
      open.push(b);
      return b;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close()));
    });
    const collect = () => {
      const got: [string, string][] = [];
      return { got, handler: (m: string, c: string) => void got.push([c, m]) };
    };
    const until = async (cond: () => boolean) => {
      for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    };

    it('delivers to subscribers of the channel only, in publish order', async () => {
      const b = await bus();
      const a = collect();
      const other = collect();
      await b.subscribe('c1', a.handler);
      await b.subscribe('c2', other.handler);
      for (let i = 0; i < 50; i++) await b.publish('c1', `m${i}`);
      await until(() => a.got.length === 50);
      expect(a.got.map(([, m]) => m)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
      expect(a.got.every(([c]) => c === 'c1')).toBe(true);
      expect(other.got).toEqual([]);
    });

    it('delivers to every handler of a channel, once each, and a publisher receives its own messages', async () => {
      const b = await bus();
      const h1 = collect();
      const h2 = collect();
      await b.subscribe('c', h1.handler);
      await b.subscribe('c', h2.handler);
      await b.publish('c', 'hello');
      await until(() => h1.got.length > 0 && h2.got.length > 0);
      await new Promise((r) => setTimeout(r, 50));
      expect(h1.got).toEqual([['c', 'hello']]);
      expect(h2.got).toEqual([['c', 'hello']]);
    });

    it('stops delivering after unsubscribe, keeping other handlers', async () => {
      const b = await bus();
      const h1 = collect();
      const h2 = collect();
      await b.subscribe('c', h1.handler);
      await b.subscribe('c', h2.handler);
      await b.unsubscribe('c', h1.handler);
      await b.publish('c', 'x');
      await until(() => h2.got.length === 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(h1.got).toEqual([]);
      expect(h2.got).toHaveLength(1);
      await b.unsubscribe('c', h2.handler);
      await b.publish('c', 'y');
      await new Promise((r) => setTimeout(r, 50));
      expect(h2.got).toHaveLength(1);
    });

    it('carries messages between two bus instances of one deployment', async () => {
      const a = await bus();
      const b = await peer();
      const got = collect();
      await b.subscribe('shared', got.handler);
      await a.publish('shared', JSON.stringify({ n: 1, text: 'привет' }));
      await until(() => got.got.length === 1);
      expect(JSON.parse(got.got[0][1])).toEqual({ n: 1, text: 'привет' });
    });

    it('a throwing handler does not stop the others', async () => {
      const b = await bus();
      const ok = collect();
      await b.subscribe('c', () => {
        throw new Error('boom');
      });
      await b.subscribe('c', ok.handler);
      await b.publish('c', 'still delivered');
      await until(() => ok.got.length === 1);
      expect(ok.got).toHaveLength(1);
    });

    it('answers ping while open and refuses after close', async () => {
      const b = await make();
      await expect(b.ping()).resolves.toBeUndefined();
      await b.close();
      await expect(b.ping()).rejects.toThrow();
    });
  });
}

// The in-process bus is one node's: its "peer" is the same instance.
let shared: MemoryBus | null = null;
contract(
  'in-process',
  async () => (shared = new MemoryBus(log)),
  async () => shared!,
);

describe.skipIf(!redisUrl)(`Redis bus (needs Redis at REDIS_URL or 127.0.0.1:6379${redisUrl ? '' : ': none answered, skipped'})`, () => {
  const prefix = `artel-test-${process.pid}-${Date.now()}:`;
  contract(
    'redis',
    () => RedisBus.connect(redisUrl!, log, prefix),
    () => RedisBus.connect(redisUrl!, log, prefix),
  );
});
