import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { htmlToText, InboundMailError, parseInbound, trimReply, type InboundMail } from '../../server/domains/inbound';

// Property: whatever bytes arrive, parseInbound settles quickly, either with a well-formed InboundMail or
// with an InboundMailError. Runs are bounded (and seeded by fast-check, which prints the seed on failure).

const DIR = fileURLToPath(new URL('../fixtures/mail/', import.meta.url));
const FIXTURES = readdirSync(DIR)
  .filter((f) => f.endsWith('.eml'))
  .sort()
  .map((f) => readFileSync(DIR + f));

/** The parse may take at most this long, whatever the input (it gets a shorter deadline of its own). */
const BOUND_MS = 3000;
const LIMITS = { timeoutMs: 2000, maxAttachments: 40 };

/** Parse and check the outcome; returns the outcome kind for statistics. */
async function settlesCleanly(raw: Buffer): Promise<'mail' | InboundMailError['reason']> {
  const started = Date.now();
  let outcome: InboundMail | InboundMailError;
  try {
    outcome = await parseInbound(raw, LIMITS);
  } catch (e) {
    if (!(e instanceof InboundMailError)) throw new Error(`untyped rejection: ${String(e)}`);
    outcome = e;
  }
  expect(Date.now() - started).toBeLessThan(BOUND_MS);
  if (outcome instanceof InboundMailError) {
    expect(['too_large', 'no_sender', 'malformed', 'too_many_attachments']).toContain(outcome.reason);
    return outcome.reason;
  }
  checkShape(outcome);
  return 'mail';
}

function checkShape(m: InboundMail): void {
  expect(m.from.address).toMatch(/^[^\s@]+@[^\s@]+$/);
  expect(m.from.address).toBe(m.from.address.toLowerCase());
  expect(typeof m.text).toBe('string');
  expect(typeof m.replyText).toBe('string');
  // The reply is never empty while the text says something.
  if (m.text.trim()) expect(m.replyText.trim()).not.toBe('');
  // eslint-disable-next-line no-control-regex
  expect(m.subject).not.toMatch(/[\u0000-\u001f\u007f]/);
  for (const id of [m.messageId, m.inReplyTo, ...m.references]) if (id !== null) expect(id).not.toMatch(/[<>\s]/);
  for (const a of m.attachments) {
    expect(a.filename.length).toBeGreaterThan(0);
    expect(a.filename.length).toBeLessThanOrEqual(200);
    // eslint-disable-next-line no-control-regex
    expect(a.filename).not.toMatch(/[\u0000-\u001f\u007f/\\\u202a-\u202e]/);
    expect(a.size).toBe(a.content.length);
  }
}

/** Mutations of a fixture: flip, delete, duplicate and insert bytes, truncate, splice in MIME-ish tokens. */
const TOKENS = [
  '\r\n', '\n\n', '--', 'boundary=', 'Content-Type: multipart/mixed; boundary="x"\r\n', '--x\r\n', '--x--\r\n',
  'Content-Transfer-Encoding: base64\r\n', 'Content-Transfer-Encoding: quoted-printable\r\n', '=?utf-8?B?', '?=',
  '=\r\n', '=ZZ', 'charset=koi8-r', 'charset=utf-7', 'Content-Type: message/rfc822\r\n\r\n', '<', '>', '<!--',
  '<blockquote>', '<div class="gmail_quote">', 'From: ', '\u0000', '\xff\xfe', 'Content-Disposition: attachment; filename*=utf-8\'\'%ff\r\n',
].map((t) => Buffer.from(t, 'latin1'));

type Mutation = { kind: 'flip' | 'delete' | 'insert' | 'dup' | 'truncate' | 'token'; at: number; len: number; byte: number; token: number };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('flip', 'delete', 'insert', 'dup', 'truncate', 'token'),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 200 }),
  byte: fc.integer({ min: 0, max: 255 }),
  token: fc.nat(TOKENS.length - 1),
});

function mutate(src: Buffer, mutations: Mutation[]): Buffer {
  let b = src;
  for (const m of mutations) {
    const at = b.length ? m.at % b.length : 0;
    const end = Math.min(b.length, at + m.len);
    switch (m.kind) {
      case 'flip':
        b = Buffer.from(b);
        if (b.length) b[at] = m.byte;
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(end)]);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.alloc(m.len, m.byte), b.subarray(at)]);
        break;
      case 'dup':
        b = Buffer.concat([b.subarray(0, end), b.subarray(at, end), b.subarray(end)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'token':
        b = Buffer.concat([b.subarray(0, at), TOKENS[m.token], b.subarray(at)]);
        break;
    }
  }
  return b;
}

describe('parseInbound on random input', () => {
  it('random bytes settle with a mail or the typed error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), async (bytes) => {
        await settlesCleanly(Buffer.from(bytes));
      }),
      { numRuns: 400 },
    );
  });

  it('random header-shaped text settles with a mail or the typed error', async () => {
    const line = fc.oneof(
      fc.constantFrom('From: ann@example.com', 'From: "A" <>', 'To: feed@artel.test', 'Subject: =?koi8-r?B?8NLJ18XU?=',
        'Content-Type: multipart/alternative; boundary=b', 'Content-Type: text/html', '--b', '--b--', '', 'MIME-Version: 1.0',
        'Content-Transfer-Encoding: base64', 'References: <a@b> <c@d>', 'Auto-Submitted: auto-replied', '<p>Hi<br>there</p>',
        '> quoted', 'On Mon, 3 Mar 2025 at 10:00, Ann <a@b.c> wrote:', '-- ', 'Sent from my iPhone'),
      fc.string({ maxLength: 80 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 60 }), async (lines) => {
        await settlesCleanly(Buffer.from(lines.join('\r\n')));
      }),
      { numRuns: 400 },
    );
  });

  it('mutated fixtures settle with a mail or the typed error', async () => {
    const stats: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(fc.nat(FIXTURES.length - 1), fc.array(mutation, { minLength: 1, maxLength: 8 }), async (i, ms) => {
        const kind = await settlesCleanly(mutate(FIXTURES[i], ms));
        stats[kind] = (stats[kind] ?? 0) + 1;
      }),
      { numRuns: 600 },
    );
    // The mutations are mild enough that most mails still parse: the property is not vacuous.
    expect(stats.mail ?? 0).toBeGreaterThan(250);
  });

  it('every fixture parses or fails the same way twice (no hidden state)', async () => {
    for (const raw of FIXTURES) {
      const a = await settlesCleanly(raw);
      const b = await settlesCleanly(raw);
      expect(b).toBe(a);
    }
  });
});

describe('text helpers on random input', () => {
  it('htmlToText and trimReply never throw, and the reply is empty only for empty text', () => {
    const html = fc.array(
      fc.oneof(fc.constantFrom('<p>', '</p>', '<b>', '</b>', '<a href="https://x.example">', '<a href="javascript:x">', '</a>', '<br>',
        '<blockquote>', '</blockquote>', '<ul>', '<li>', '<pre>', '</pre>', '<!--', '-->', '<script>', '</script>', '&amp;', '&#0;', '&',
        '<div class="gmail_quote">', '> ', '\n', 'On Mon, Ann <a@b.c> wrote:', '-- ', 'From: a', 'Sent: b', 'To: c', 'Subject: d'),
      fc.string({ maxLength: 30 })),
      { maxLength: 80 },
    );
    fc.assert(
      fc.property(html, (parts) => {
        const text = htmlToText(parts.join(''), { dropHistory: parts.length % 2 === 0 });
        // eslint-disable-next-line no-control-regex
        expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
        const reply = trimReply(text);
        if (text.trim()) expect(reply.trim()).not.toBe('');
      }),
      { numRuns: 400 },
    );
  });
});
