import type { Bus } from '../../bus';
import type { Logger } from '../../log';
import type { StreamEvent } from '../../../shared/types';
import type { PushMessage } from '../../../shared/protocol';

export { appendEvent, eventsAfter, streamHead, streamHeads } from './repo';
export { canReadStream } from './policy';

/** The bus channel that carries a stream's events between nodes. */
export const streamChannel = (stream: string) => `stream:${stream}`;

/** Publish committed events on the bus, as ready-to-send frames. At-most-once: failures are logged only. */
export function eventPublisher(bus: Bus, log: Logger) {
  return async (events: StreamEvent[]): Promise<void> => {
    for (const e of events) {
      const frame: PushMessage = { type: 'event', ...e };
      try {
        await bus.publish(streamChannel(e.stream), JSON.stringify(frame));
      } catch (err) {
        log.warn('event not published; subscribers will fill the gap', { stream: e.stream, seq: e.seq, err });
      }
    }
  };
}
