import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors';
import { parseMentions } from '../../shared/mentions';
import { markdownToText, renderMarkdown } from '../../shared/markdown';
import { clientIdOf, defuseMentions, postAddress, routeAddress } from '../../server/domains/mailin';
import { replyFor, SmtpReply } from '../../server/domains/mailin/replies';

/** The pure rules of mail-in (no server): mailboxes, mention defusing, client ids, SMTP replies. */

const D = 'artel.test';
const ID = '0b9f3c1e-7a2d-4e6f-9a1b-2c3d4e5f6a7b';

describe('mail-in rules', () => {
  it('routes our mailboxes, case-insensitively, and nothing else', () => {
    expect(routeAddress(`feed@${D}`, D)).toEqual({ kind: 'feed' });
    expect(routeAddress(`<FEED@Artel.Test>`, D)).toEqual({ kind: 'feed' });
    expect(routeAddress(`post+${ID.replace(/-/g, '').toUpperCase()}@${D}`, D)).toEqual({ kind: 'post', postId: ID });
    expect(routeAddress(postAddress(ID, D), D)).toEqual({ kind: 'post', postId: ID });
    expect(routeAddress(`reply+${'AB'.repeat(20)}@${D}`, D)).toEqual({ kind: 'reply', token: 'ab'.repeat(20) });
    for (const a of [`feed@example.com`, `feed+x@${D}`, `post@${D}`, `post+${ID}@${D}`, `post+123@${D}`, `reply+zz@${D}`, `reply@${D}`, `hello@${D}`, 'garbage', '']) {
      expect(routeAddress(a, D), a).toBeNull();
    }
  });

  it('mail text cannot mention anyone: <@id> and @all stay visible text', () => {
    const text = `Hi <@${ID}>, (@all) and @ВСЕ! Mail team@all.example or x@all; code \`<@${ID}>\``;
    const safe = defuseMentions(text);
    expect(parseMentions(safe)).toEqual({ userIds: [], all: false });
    expect(renderMarkdown(text)).toMatch(/class="mention/);
    expect(renderMarkdown(safe)).not.toMatch(/class="mention/);
    expect(markdownToText(safe).replace(/\u2060/g, '')).toContain(`Hi <@${ID}>, (@all) and @ВСЕ!`);
    expect(safe.replace(/\u2060/g, '')).toBe(text);
    // Addresses are left alone.
    expect(safe).toContain('team@all.example');
    expect(parseMentions(text).userIds).toEqual([ID]);
  });

  it('client ids are UUIDs derived from the mail: the same mail, the same id', () => {
    const a = clientIdOf('post', 'message-id:abc@example.com');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(clientIdOf('post', 'message-id:abc@example.com')).toBe(a);
    expect(clientIdOf(`comment:${ID}`, 'message-id:abc@example.com')).not.toBe(a);
    expect(clientIdOf('post', 'message-id:abd@example.com')).not.toBe(a);
  });

  it('domain errors map to permanent or temporary SMTP replies', () => {
    const r = (e: unknown) => [replyFor(e).responseCode, replyFor(e).message];
    expect(r(new AppError('forbidden', 'Not yours'))).toEqual([550, '5.7.1 Not yours']);
    expect(r(new AppError('not_found', 'No such post'))).toEqual([550, '5.1.1 No such post']);
    expect(r(new AppError('bad_request', 'Bad'))).toEqual([550, '5.6.0 Bad']);
    expect(r(new AppError('conflict', 'Deleted'))).toEqual([550, '5.7.1 Deleted']);
    expect(r(new AppError('rate_limited', 'You are posting too fast', { retryAfter: 3 }))).toEqual([451, '4.7.1 You are posting too fast (try again in 3 s)']);
    expect(r(new AppError('unavailable', 'Down'))).toEqual([451, '4.3.0 Down']);
    expect(r(new Error('connection terminated'))).toEqual([451, '4.3.0 Temporary problem on our side, please try again later']);
    const long = new SmtpReply(550, '5.7.1', 'x'.repeat(2000) + '\r\ninjected');
    expect(long.message.length).toBeLessThanOrEqual(410);
    expect(long.message).not.toMatch(/[\r\n]/);
  });
});
