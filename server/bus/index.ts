import type { Bus } from './bus';
import { MemoryBus } from './memory';
import { RedisBus } from './redis';
import type { Logger } from '../log';

export type { Bus, BusHandler } from './bus';
export { MemoryBus, RedisBus };

/** The Redis bus when a URL is given, else the in-process bus of a single node. */
export async function openBus(redisUrl: string | null, log: Logger, prefix?: string): Promise<Bus> {
  if (!redisUrl) return new MemoryBus(log);
  return RedisBus.connect(redisUrl, log, prefix);
}
