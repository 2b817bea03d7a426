/**
 * The inline-picture rule (server/domains/mailin/images.ts) and what the feed makes of a mail's pictures
 * and formatting (content.ts): which inline parts are kept, where the text names them, which a reply keeps,
 * and when the HTML part is preferred to the plain one.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { htmlToText, parseInbound, plainFormatting, type InboundAttachment } from '../../server/domains/inbound';
import { mailContent } from '../../server/domains/mailin/content';
import { keepInline, meaningfulPicture, MIN_AREA, MIN_BYTES, MIN_SIDE, pictureSize } from '../../server/domains/mailin/images';

const noise = (width: number, height: number, format: 'png' | 'jpeg' | 'gif' | 'webp' = 'png') =>
  sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .toFormat(format)
    .toBuffer();
const inline = (content: Buffer, contentType = 'image/png', contentId = 'pic@example.com'): InboundAttachment => ({
  filename: 'pic.png',
  contentType,
  size: content.length,
  content,
  contentId,
  inline: true,
});
const compose = async (opts: Mail.Options) =>
  parseInbound(await new MailComposer({ from: 'bob@example.com', to: 'feed@artel.test', subject: 'x', ...opts }).compile().build());

describe('the inline picture rule', () => {
  const facts = { contentType: 'image/png', bytes: 50_000, width: 800, height: 600 };

  it('keeps content-sized pictures and drops pixels, icons, strips and logos', () => {
    expect(meaningfulPicture(facts)).toBe(true);
    expect(meaningfulPicture({ ...facts, width: 250, height: 160 })).toBe(true); // a small dialog's screenshot
    expect(meaningfulPicture({ ...facts, width: 1, height: 1, bytes: 43 })).toBe(false); // a tracking pixel
    expect(meaningfulPicture({ ...facts, width: 32, height: 32 })).toBe(false); // a social icon
    expect(meaningfulPicture({ ...facts, width: 600, height: 8 })).toBe(false); // a divider line
    expect(meaningfulPicture({ ...facts, width: 200, height: 60 })).toBe(false); // a signature logo
    expect(meaningfulPicture({ ...facts, width: 120, height: 120 })).toBe(false); // a square logo
    expect(meaningfulPicture({ ...facts, bytes: MIN_BYTES - 1 })).toBe(false); // a few hundred bytes: decoration
    expect(meaningfulPicture({ ...facts, contentType: 'image/svg+xml' })).toBe(false);
    expect(meaningfulPicture({ ...facts, contentType: 'image/bmp' })).toBe(false);
  });

  it('the thresholds are where the rule says', () => {
    const side = Math.ceil(Math.sqrt(MIN_AREA));
    expect(meaningfulPicture({ ...facts, width: side, height: side })).toBe(true);
    expect(meaningfulPicture({ ...facts, width: side, height: side - 1 })).toBe(false);
    expect(meaningfulPicture({ ...facts, width: MIN_AREA, height: MIN_SIDE })).toBe(true);
    expect(meaningfulPicture({ ...facts, width: MIN_AREA, height: MIN_SIDE - 1 })).toBe(false);
    expect(meaningfulPicture({ ...facts, bytes: MIN_BYTES })).toBe(true);
  });

  it('reads real pictures: PNG, JPEG, GIF and WebP screenshots kept, pixel and logo not, garbage not', async () => {
    for (const format of ['png', 'jpeg', 'gif', 'webp'] as const) {
      expect(await keepInline(inline(await noise(400, 300, format), `image/${format}`))).toBe(true);
    }
    expect(await pictureSize(await noise(400, 300))).toEqual({ width: 400, height: 300 });
    const pixel = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } }).gif().toBuffer();
    expect(await keepInline(inline(pixel, 'image/gif'))).toBe(false);
    expect(await keepInline(inline(await noise(160, 48)))).toBe(false);
    expect(await keepInline(inline(await noise(48, 48)))).toBe(false);
    // Declared a PNG, but not a picture at all: not kept. (Only the header is read: a truncated picture
    // with a readable header is kept, and stored like any attachment.)
    expect(await keepInline(inline(Buffer.alloc(5000, 7)))).toBe(false);
    expect(await pictureSize(Buffer.from('not an image'))).toBeNull();
  });
});

describe('pictures in the text', () => {
  const images = new Map([['shot@example.com', '[image: shot.png]']]);

  it('a kept picture is named where it stands; others, hidden ones and remote ones vanish', () => {
    expect(htmlToText('<p>Before</p><img src="cid:SHOT@example.com"><p>After</p>', { images })).toBe('Before\n\n[image: shot.png]\n\nAfter');
    expect(htmlToText('<p>Before</p><img src="cid:shot@example.com"><p>After</p>')).toBe('Before\n\nAfter');
    expect(htmlToText('a <img src="cid:other@example.com"> b', { images })).toBe('a b');
    expect(htmlToText('a <img src="https://tracker.example/p.gif?u=1"> b', { images })).toBe('a b');
    expect(htmlToText('a <img style="display:none" src="cid:shot@example.com"> b', { images })).toBe('a b');
    // A linked picture has no text of its own: the picture is named, the link's target is not followed.
    expect(htmlToText('<a href="https://example.com/full"><img src="cid:shot%40example.com"></a>', { images })).toBe('[image: shot.png]');
  });

  it('mailContent: the screenshot named in place and kept; the pixel and logo not; stray marks removed', async () => {
    const shot = await noise(400, 300);
    const m = await compose({
      text: 'See below',
      html: '<p>See <b>below</b>\ue0007\ue001</p><img src="cid:shot@example.com"><img src="cid:logo@example.com"><img src="cid:px@example.com">',
      attachments: [
        { filename: 'shot.png', content: shot, cid: 'shot@example.com' },
        { filename: 'logo.png', content: await noise(150, 50), cid: 'logo@example.com' },
        { filename: 'px.gif', content: await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } }).gif().toBuffer(), cid: 'px@example.com' },
        { filename: 'report.pdf', content: Buffer.from('%PDF-1.4 report') },
      ],
    });
    const c = await mailContent(m);
    expect(c.post.text).toBe('See **below**\n\n[image: shot.png]');
    expect(c.post.files.map((f) => f.filename)).toEqual(['shot.png', 'report.pdf']);
    expect(c.post.dropped).toEqual([]);
  });

  it('a plain body without formatting of its own keeps the plain text, and the picture as a file', async () => {
    const m = await compose({
      text: 'Screenshot attached, see [image: shot.png] above.',
      html: '<p>Screenshot attached, see <img src="cid:shot@example.com"> above.</p>',
      attachments: [{ filename: 'shot.png', content: await noise(400, 300), cid: 'shot@example.com' }],
    });
    expect(m.bodyFrom).toBe('text');
    const c = await mailContent(m);
    // The HTML shows the picture in place: it is the body now (it says the same, and where the picture is).
    expect(c.post.text).toBe('Screenshot attached, see [image: shot.png] above.');
    expect(c.post.files.map((f) => f.filename)).toEqual(['shot.png']);
  });

  it('a reply keeps the pictures of its new part only', async () => {
    const m = await compose({
      html:
        '<div>Mine: <img src="cid:mine@example.com"></div><div class="gmail_quote">On Monday Ann wrote:<blockquote>Theirs: ' +
        '<img src="cid:theirs@example.com"></blockquote></div>',
      attachments: [
        { filename: 'mine.png', content: await noise(300, 200), cid: 'mine@example.com' },
        { filename: 'theirs.png', content: await noise(300, 200), cid: 'theirs@example.com' },
      ],
    });
    const c = await mailContent(m);
    expect(c.comment.text).toBe('Mine: [image: mine.png]');
    expect(c.comment.files.map((f) => f.filename)).toEqual(['mine.png']);
    expect(c.post.files.map((f) => f.filename)).toEqual(['mine.png', 'theirs.png']);
  });

  it('more files than a post carries: the first ten kept in mail order, the rest named', async () => {
    const shot = await noise(300, 200);
    const files = Array.from({ length: 11 }, (_, i) => ({ filename: `f${i}.txt`, content: Buffer.from(`file ${i}`) }));
    const m = await compose({
      html: '<p>All of it</p><img src="cid:shot@example.com">',
      attachments: [{ filename: 'shot.png', content: shot, cid: 'shot@example.com' }, ...files],
    });
    const c = await mailContent(m);
    expect(c.post.files.map((f) => f.filename)).toEqual(['shot.png', ...files.slice(0, 9).map((f) => f.filename)]);
    expect(c.post.dropped).toEqual(['f9.txt', 'f10.txt']);
  });
});

describe('the HTML part or the plain part', () => {
  it('plain formatting as mail programs write it', () => {
    expect([...plainFormatting('Agenda:\n\n- one\n- two')]).toEqual(['list']);
    expect([...plainFormatting('It is *important* now')]).toEqual(['emphasis']);
    expect([...plainFormatting('see https://example.com/x')]).toEqual(['link']);
    expect([...plainFormatting('> quoted\nanswer')]).toEqual(['quote']);
    expect([...plainFormatting('2 * 3 = 6, a_b_c, file_name.txt')]).toEqual([]);
  });

  it('HTML with a list, bold or a named link the plain part lacks is preferred; the same formatting in both is not', async () => {
    const rich = await compose({ text: 'Steps: build, test', html: '<p>Steps:</p><ol><li>build</li><li>test</li></ol>' });
    expect(rich.bodyFrom).toBe('html');
    expect(rich.text).toBe('Steps:\n\n1. build\n2. test');
    const link = await compose({ text: 'The slides are on the intranet.', html: '<p>The slides are <a href="https://intranet.example.com/s">on the intranet</a>.</p>' });
    expect(link.text).toBe('The slides are [on the intranet](https://intranet.example.com/s).');
    const same = await compose({ text: 'Steps:\n1. build\n2. test', html: '<p>Steps:</p><ol><li>build</li><li>test</li></ol>' });
    expect(same.bodyFrom).toBe('text');
    // Formatting only in the quoted history (an Outlook header block's bold labels) does not count.
    const quoted = await compose({
      text: 'Agreed.\n\nFrom: Ann\nSent: Monday\n\nold text',
      html: '<div>Agreed.</div><div id="divRplyFwdMsg"><b>From:</b> Ann<br><b>Sent:</b> Monday</div><div>old text</div>',
    });
    expect(quoted.bodyFrom).toBe('text');
    // An HTML part missing most of the text is not preferred for its bold.
    const short = await compose({ text: 'A long plain text. '.repeat(20), html: '<b>Short</b>' });
    expect(short.bodyFrom).toBe('text');
  });
});
