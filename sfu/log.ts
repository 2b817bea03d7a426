/** The logger sfu/ writes to: the shared shape (shared/log.ts), so sfu/ depends on nothing of the hub's. */
import type { Logger } from '../shared/log';

export type { Logger };

/** A logger that drops everything. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLogger };
