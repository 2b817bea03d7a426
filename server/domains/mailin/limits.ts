import { KeyedRateLimiter } from '../../lib/ratelimit';
import { SmtpReply } from './replies';

/**
 * Flood limits of the inbound SMTP server. Artel is the workspace's MX and takes mail without AUTH, so
 * the only thing it can count is the client address: concurrent connections (refused with 421, which
 * also closes the connection) and a token bucket of mail transactions (MAIL FROM, refused with 451, so
 * a legitimate server queues and retries later). Per-person limits of posts and comments apply on top,
 * inside the feed's actions, whatever door a post comes through.
 *
 * Tests and operators with special needs may change these before the server starts: each server reads
 * them once, at start.
 */
export const MAILIN_LIMITS = {
  /** Connections one client address may hold open at once. */
  connectionsPerIp: 10,
  /** Connections in all. */
  maxClients: 500,
  /** Mail transactions one client address may start per window (the bucket's size)... */
  messagesPerWindow: 60,
  /** ...refilled evenly over this many milliseconds. */
  windowMs: 60_000,
  /** Recipients of one mail; more are answered 452 (the sender tries them again in a later transaction). */
  maxRecipients: 50,
  /** An idle connection is closed after this long. */
  socketTimeoutMs: 60_000,
  /** On stop, connections still open after this long are told 421 and closed. */
  closeTimeoutMs: 3_000,
};

export type MailInLimits = typeof MAILIN_LIMITS;

/**
 * The bookkeeping of the limits for one running server. Addresses are counted as written by the socket
 * (IPv4-mapped IPv6 already unwrapped by smtp-server); an IPv6 client can change addresses within its /64
 * freely, so behind a hostile IPv6 network put a relay with its own limits in front.
 */
export class MailInGate {
  private readonly open = new Map<string, number>();
  private readonly counted = new Set<string>();
  private readonly messages: KeyedRateLimiter;

  constructor(readonly limits: MailInLimits) {
    this.messages = new KeyedRateLimiter(limits.messagesPerWindow, limits.messagesPerWindow / (limits.windowMs / 1000));
  }

  /** Count a new connection, or refuse it (421 closes it). */
  connect(sessionId: string, ip: string): void {
    const n = this.open.get(ip) ?? 0;
    if (n >= this.limits.connectionsPerIp) {
      throw new SmtpReply(421, '4.7.0', `Too many connections from ${ip}: at most ${this.limits.connectionsPerIp} at a time, try again later`);
    }
    this.open.set(ip, n + 1);
    this.counted.add(sessionId);
  }

  /** Forget a connection (only those `connect` counted). */
  disconnect(sessionId: string, ip: string): void {
    if (!this.counted.delete(sessionId)) return;
    const n = (this.open.get(ip) ?? 1) - 1;
    if (n > 0) this.open.set(ip, n);
    else this.open.delete(ip);
  }

  /** Take a token for one mail transaction, or refuse it for now (451). */
  message(ip: string): void {
    const wait = this.messages.take(ip);
    if (wait) throw new SmtpReply(451, '4.7.1', `Too many mails from ${ip}: try again in ${wait} s`);
  }

  stop(): void {
    this.messages.stop();
  }
}
