import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { AppError } from '../../../shared/errors';
import type { Services } from '../../services';
import { checkRecipient } from './checks';
import { deliver } from './deliver';
import { MAILIN_LIMITS, MailInGate, type MailInLimits } from './limits';
import { replyFor, SmtpReply, tryLater } from './replies';
import { noSuchMailbox, routeAddress } from './route';

/** The running inbound SMTP server. */
export interface MailIn {
  /** The port it listens on (the configured one, or the one the system picked for SMTP_PORT=0). */
  port: number;
  /** Stop listening, let open sessions finish (at most `closeTimeoutMs`), wait for deliveries under way. */
  stop(): Promise<void>;
}

type Done = (err?: Error | null) => void;

/**
 * Artel's MX: smtp-server on SMTP_HOST:SMTP_PORT taking mail for MAIL_DOMAIN's mailboxes (route.ts) into
 * the feed (deliver.ts).
 *
 * - No AUTH: anyone may connect, as to any MX; who may post is decided per mailbox and sender (checks.ts).
 * - No STARTTLS: smtp-server would offer its built-in certificate, whose private key is public. Artel has
 *   no certificate configuration of its own yet; where mail must arrive encrypted, put a TLS-terminating
 *   MTA (Postfix, an appliance) in front as the public MX and let it relay to SMTP_PORT.
 * - Size: SIZE is advertised and larger mail is answered 552; what arrives past the limit is not kept.
 * - Floods: connections and transactions are limited per client address (limits.ts).
 * - Every callback answers: errors become an SMTP reply (replies.ts), never an exception in the process.
 */
export async function startMailIn(svc: Services, limits: MailInLimits = { ...MAILIN_LIMITS }): Promise<MailIn> {
  const { config } = svc;
  const log = svc.log.child({ component: 'smtp-in' });
  const gate = new MailInGate(limits);
  const deliveries = new Set<Promise<unknown>>();

  const who = (session: SMTPServerSession) => ({ session: session.id, ip: session.remoteAddress });
  const refuse = (session: SMTPServerSession, stage: string, err: unknown, extra: Record<string, unknown> = {}): SmtpReply => {
    const reply = replyFor(err);
    if (!(err instanceof SmtpReply) && !(err instanceof AppError)) {
      log.error('mail-in failure', { ...who(session), stage, err });
    }
    log.info('mail refused', { ...who(session), stage, code: reply.responseCode, reply: reply.message, ...extra });
    return reply;
  };
  const senderOf = (session: SMTPServerSession) => (session.envelope.mailFrom ? session.envelope.mailFrom.address : '');

  const server = new SMTPServer({
    name: config.mailDomain,
    banner: 'Artel mail-in: post by e-mail to feed@' + config.mailDomain,
    // Advertised in EHLO (a MAIL FROM declaring more is refused at once); onData answers 552 for the rest.
    size: config.maxMailBytes,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    maxClients: limits.maxClients,
    maxRecipients: limits.maxRecipients,
    socketTimeout: limits.socketTimeoutMs,
    closeTimeout: limits.closeTimeoutMs,

    onConnect(session: SMTPServerSession, done: Done) {
      try {
        gate.connect(session.id, session.remoteAddress);
        done();
      } catch (err) {
        done(refuse(session, 'connect', err));
      }
    },

    onClose(session: SMTPServerSession) {
      try {
        gate.disconnect(session.id, session.remoteAddress);
      } catch (err) {
        log.error('mail-in failure', { ...who(session), stage: 'close', err });
      }
    },

    onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, done: Done) {
      try {
        gate.message(session.remoteAddress);
        done();
      } catch (err) {
        done(refuse(session, 'mail from', err, { from: address.address }));
      }
    },

    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, done: Done) {
      const from = senderOf(session);
      const fields = { from, rcpt: address.address };
      try {
        const box = routeAddress(address.address, config.mailDomain);
        if (!box) return done(refuse(session, 'rcpt to', noSuchMailbox(config.mailDomain), fields));
        checkRecipient(svc, from, box).then(
          () => done(),
          (err) => done(refuse(session, 'rcpt to', err, fields)),
        );
      } catch (err) {
        done(refuse(session, 'rcpt to', err, fields));
      }
    },

    onData(stream: SMTPServerDataStream, session: SMTPServerSession, done: (err?: Error | null, message?: string) => void) {
      const envelope = { from: senderOf(session), to: session.envelope.rcptTo.map((r) => r.address) };
      const fields = { from: envelope.from, to: envelope.to };
      let answered = false;
      const answer = (err: Error | null, message?: string) => {
        if (answered) return;
        answered = true;
        done(err, message);
      };
      try {
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
          // Past the limit the rest is read and dropped; the answer is 552.
          if (size <= config.maxMailBytes) chunks.push(chunk);
        });
        // The client went away in the middle of the mail: nobody hears the answer, nothing was read.
        stream.on('error', (err) => {
          log.info('mail abandoned', { ...who(session), ...fields, bytes: size, reason: err.message });
          answer(tryLater());
        });
        stream.on('end', () => {
          if (stream.sizeExceeded) {
            const mb = Math.round(config.maxMailBytes / 1024 / 1024);
            return answer(refuse(session, 'data', new SmtpReply(552, '5.3.4', `The mail is larger than ${mb} MB, the most accepted here`), { ...fields, bytes: size }));
          }
          const work = deliver(svc, envelope, Buffer.concat(chunks)).then(
            (result) => {
              log.info(result.dropped ? 'mail dropped' : 'mail accepted', { ...who(session), ...fields, bytes: size, created: result.created, dropped: result.dropped });
              answer(null, result.text);
            },
            (err) => answer(refuse(session, 'data', err, { ...fields, bytes: size })),
          );
          deliveries.add(work);
          void work.finally(() => deliveries.delete(work));
        });
      } catch (err) {
        answer(refuse(session, 'data', err, fields));
      }
    },
  });

  server.on('error', (err: Error) => log.warn('smtp-in connection error', { err: err.message }));

  try {
    await new Promise<void>((resolve, reject) => {
      const failed = (err: Error) => reject(err);
      server.once('error', failed);
      server.listen(config.smtpPort, config.smtpHost, () => {
        server.off('error', failed);
        resolve();
      });
    });
  } catch (err) {
    gate.stop();
    throw new Error(`Inbound SMTP cannot listen on ${config.smtpHost}:${config.smtpPort} (SMTP_HOST, SMTP_PORT): ${(err as Error).message}`, { cause: err });
  }
  const port = (server.server.address() as AddressInfo).port;
  log.info('smtp-in listening', { host: config.smtpHost, port, domain: config.mailDomain, maxBytes: config.maxMailBytes });

  return {
    port,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...deliveries]);
      gate.stop();
    },
  };
}
