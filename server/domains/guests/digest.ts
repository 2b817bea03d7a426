import { sql } from '../../db/pool';
import type { Services } from '../../services';
import { mintTokens } from './actions';
import { guestDigestMail, threadMessageId } from './mail';
import { rememberMessageId } from './repo';

/** Advisory lock key of the guest digest: one node mails at a time. */
const GUEST_DIGEST_LOCK = 0x47_55_45_53; // "GUES"
/** Most comments listed in one mail (the link shows the rest). */
const MAX_LISTED = 20;

interface Pending {
  link_id: string;
  email: string;
  post_id: string;
  title: string | null;
  author: string;
  body: string;
  seq: number;
}

/**
 * Mail each guest the comments written on their thread since their last mail (not their own, not
 * deleted), one mail per guest and thread, threaded under the post's Message-IDs and carrying fresh
 * personal tokens. Runs every GUEST_DIGEST_MINUTES under an advisory lock, so with several nodes one
 * mails; the mailed position is committed before sending, so a crash delays a mail and never repeats one.
 */
export async function runGuestDigest(svc: Services): Promise<number> {
  const deliveries: (() => Promise<void>)[] = [];
  const mails = await svc.db.tx(async (tx) => {
    deliveries.length = 0;
    const [{ locked }] = await tx.query(sql`SELECT pg_try_advisory_xact_lock(${GUEST_DIGEST_LOCK}) AS locked`);
    if (!locked) return 0;
    const rows = (await tx.query(sql`
      SELECT l.id AS link_id, g.email, p.id AS post_id, p.title, a.name AS author, c.body, c.seq
      FROM guest_links l
      JOIN users g ON g.id = l.guest_id
      JOIN feed_posts p ON p.id = l.post_id AND p.deleted_at IS NULL
      JOIN feed_comments c ON c.post_id = l.post_id AND c.seq > l.mailed_seq
      JOIN users a ON a.id = c.author_id
      WHERE l.revoked_at IS NULL AND l.expires_at > now() AND c.deleted_at IS NULL AND c.author_id <> l.guest_id
      ORDER BY l.id, c.seq`)) as Pending[];
    const byLink = new Map<string, Pending[]>();
    for (const r of rows) byLink.set(r.link_id, [...(byLink.get(r.link_id) ?? []), r]);
    const [{ name: workspace }] = await tx.query(sql`SELECT name FROM workspace`);
    for (const [linkId, comments] of byLink) {
      const first = comments[0];
      const threadIds = (await tx.query(sql`SELECT message_id FROM mail_threads WHERE post_id = ${first.post_id} ORDER BY created_at LIMIT 10`)).map(
        (r) => r.message_id as string,
      );
      const { url, replyTo } = await mintTokens(svc, tx, linkId);
      const messageId = threadMessageId(first.post_id, svc.config.mailDomain);
      await rememberMessageId(tx, messageId, first.post_id);
      const listed = comments.slice(-MAX_LISTED).map((c) => ({ author: c.author, body: c.body }));
      deliveries.push(
        await svc.mailer.enqueue(tx, guestDigestMail({ to: first.email, title: first.title, workspace, comments: listed, link: url, replyTo, messageId, threadIds })),
      );
      await tx.query(sql`UPDATE guest_links SET mailed_seq = ${comments[comments.length - 1].seq} WHERE id = ${linkId}`);
    }
    if (byLink.size) svc.log.info('guest digests queued', { mails: byLink.size });
    return byLink.size;
  });
  for (const deliver of deliveries) await deliver();
  return mails;
}
