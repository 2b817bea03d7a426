import { describe, expect, it } from 'vitest';
import { normalizeMessageId, parseLocalPart, topicOf } from '../../server/domains/inbound';
import { authFactsOf, dateOf, isAutoSubmitted, messageIdOf, referencesOf, type HeaderLine } from '../../server/domains/inbound/headers';

/** Header lines as mailparser lists them, from "Name: value" strings (folding allowed). */
const lines = (...raw: string[]): HeaderLine[] => raw.map((line) => ({ key: line.slice(0, line.indexOf(':')).toLowerCase(), line }));

describe('parseLocalPart', () => {
  const D = 'artel.test';
  it.each([
    ['feed@artel.test', { box: 'feed', tag: null }],
    ['FEED@Artel.Test', { box: 'feed', tag: null }],
    ['<feed@artel.test>', { box: 'feed', tag: null }],
    ['post+Xk29fQ7hL0@artel.test', { box: 'post', tag: 'Xk29fQ7hL0' }],
    ['Post+abc_DEF-1.2=@ARTEL.TEST', { box: 'post', tag: 'abc_DEF-1.2=' }],
    ['guest.ann+t0k@artel.test', { box: 'guest.ann', tag: 't0k' }],
    ['feed@artel.test.', { box: 'feed', tag: null }],
  ])('%s', (address, expected) => {
    expect(parseLocalPart(address, D)).toEqual(expected);
  });

  it.each([
    'feed@other.test',
    'feed@sub.artel.test',
    'feed@artel.test.evil',
    'feed@artel.testx',
    'post+@artel.test',
    '+tag@artel.test',
    'post+a+b@artel.test',
    'post+a b@artel.test',
    '"feed"@artel.test',
    'feed',
    '@artel.test',
    '',
  ])('not ours: %s', (address) => {
    expect(parseLocalPart(address, D)).toBeNull();
  });

  it('compares internationalised domains in either form', () => {
    expect(parseLocalPart('feed@пример.рф', 'xn--e1afmkfd.xn--p1ai')).toEqual({ box: 'feed', tag: null });
    expect(parseLocalPart('post+T@XN--E1AFMKFD.XN--P1AI', 'Пример.РФ')).toEqual({ box: 'post', tag: 'T' });
  });

  it('needs a configured domain', () => {
    expect(parseLocalPart('feed@', '')).toBeNull();
    expect(parseLocalPart('feed@artel.test', '  ')).toBeNull();
  });
});

describe('topicOf', () => {
  it.each([
    ['Re: Budget', 'Budget'],
    ['RE: Budget', 'Budget'],
    ['Fwd: Budget', 'Budget'],
    ['Fw: Budget', 'Budget'],
    ['FW: Budget', 'Budget'],
    ['AW: Budget', 'Budget'],
    ['WG: Budget', 'Budget'],
    ['Отв: Бюджет', 'Бюджет'],
    ['Ответ: Бюджет', 'Бюджет'],
    ['Пересл: Бюджет', 'Бюджет'],
    ['Re: Fwd: RE: Отв: Budget', 'Budget'],
    ['Re[2]: Budget', 'Budget'],
    ['RE(3): Budget', 'Budget'],
    ['Re^2: Budget', 'Budget'],
    ['re:Budget', 'Budget'],
    ['Re : Budget', 'Budget'],
    ['Re：Budget', 'Budget'],
    ['Budget: Re: Q2', 'Budget: Re: Q2'],
    ['Recap: Q2', 'Recap: Q2'],
    ['Reply all', 'Reply all'],
    ['Re:', ''],
    ['', ''],
  ])('%s', (subject, topic) => {
    expect(topicOf(subject)).toBe(topic);
  });
});

describe('message ids', () => {
  it.each([
    ['<ABC.123@Mail.Example.COM>', 'ABC.123@mail.example.com'],
    [' <a@b> ', 'a@b'],
    ['no-brackets@Example.com', 'no-brackets@example.com'],
    ['<local.only>', 'local.only'],
    ['<a@b@C.D>', 'a@b@c.d'],
    ['<>', null],
    ['', null],
  ])('%s', (raw, id) => {
    expect(normalizeMessageId(raw)).toBe(id);
  });

  it('In-Reply-To takes the first id, ignoring comments around it', () => {
    expect(messageIdOf(lines("In-Reply-To: <X@A.COM> (Ann's message of Monday)"), 'in-reply-to')).toBe('X@a.com');
    expect(messageIdOf(lines('Message-ID:'), 'message-id')).toBeNull();
    expect(messageIdOf([], 'message-id')).toBeNull();
  });

  it('References: folded, repeated, deduplicated, in order', () => {
    const h = lines('References: <a@X.com>\r\n <b@x.com>\t<A@x.COM>', 'References: <c@x.com> <b@X.com>');
    expect(referencesOf(h)).toEqual(['a@x.com', 'b@x.com', 'A@x.com', 'c@x.com']);
    expect(referencesOf(lines('References: a@x.com b@x.com'))).toEqual(['a@x.com', 'b@x.com']);
  });
});

describe('dates', () => {
  it('reads RFC 5322 dates, with comments and obsolete zones', () => {
    expect(dateOf(lines('Date: Mon, 3 Mar 2025 10:00:00 +0300 (MSK)'))?.toISOString()).toBe('2025-03-03T07:00:00.000Z');
    expect(dateOf(lines('Date: 3 Mar 2025 10:00 GMT'))?.toISOString()).toBe('2025-03-03T10:00:00.000Z');
  });

  it('is null, not "now", when missing or unreadable', () => {
    expect(dateOf(lines('Subject: x'))).toBeNull();
    expect(dateOf(lines('Date: yesterday-ish'))).toBeNull();
  });
});

describe('machine-sent mail', () => {
  it.each([
    [['Auto-Submitted: auto-replied'], '', true],
    [['Auto-Submitted: auto-generated; owner-email="x@y"'], '', true],
    [['Auto-Submitted: No'], '', false],
    [['Precedence: Bulk'], '', true],
    [['Precedence: list'], '', true],
    [['Precedence: junk'], '', true],
    [['Precedence: normal'], '', false],
    [['X-Autoreply: yes'], '', true],
    [['X-Autorespond: vacation'], '', true],
    [['Return-Path: <>'], '', true],
    [['Return-Path: < >'], '', true],
    [['Return-Path: <>', 'Return-Path: <a@b.c>'], '', true],
    [['Return-Path: <a@b.c>', 'Return-Path: <>'], '', false],
    [[], 'multipart/report', true],
    [['X-Auto-Response-Suppress: All'], 'text/plain', false],
    [[], 'text/plain', false],
  ])('%j %s', (raw, contentType, expected) => {
    expect(isAutoSubmitted(lines(...raw), contentType)).toBe(expected);
  });
});

describe('authentication results', () => {
  it('reads the first Authentication-Results header, comments ignored', () => {
    const facts = authFactsOf(
      lines(
        'Authentication-Results: mx.Artel.test;\r\n\tspf=softfail (sender is not "pass"-listed) smtp.mailfrom=a@b.c;\r\n\tdkim=fail header.d=b.c; dkim=pass header.d=other.example;\r\n\tdmarc=fail (p=reject) header.from=b.c',
        'Authentication-Results: evil.example; spf=pass; dkim=pass; dmarc=pass',
      ),
    );
    expect(facts).toEqual({ authServId: 'mx.artel.test', spf: 'fail', dkim: 'pass', dmarc: 'fail' });
  });

  it('falls back to Received-SPF for spf; neutral, none and errors are none', () => {
    expect(authFactsOf(lines('Received-SPF: Pass (mx: domain designates 1.2.3.4) client-ip=1.2.3.4;'))).toEqual({ authServId: null, spf: 'pass', dkim: 'none', dmarc: 'none' });
    expect(authFactsOf(lines('Received-SPF: fail (not permitted)')).spf).toBe('fail');
    expect(authFactsOf(lines('Authentication-Results: mx; spf=neutral; dkim=temperror; dmarc=none')).spf).toBe('none');
    expect(authFactsOf(lines('Authentication-Results: mx; spf=permerror; dkim=policy')).dkim).toBe('none');
    expect(authFactsOf(lines('Authentication-Results: mx; none'))).toEqual({ authServId: 'mx', spf: 'none', dkim: 'none', dmarc: 'none' });
    expect(authFactsOf([])).toEqual({ authServId: null, spf: 'none', dkim: 'none', dmarc: 'none' });
  });
});
