import { describe, expect, it } from 'vitest';
import { htmlToText } from '../../server/domains/inbound';
import { renderMarkdown } from '../../shared/markdown';

// Expected outputs are written by hand from the conversion rules in server/domains/inbound/html.ts.

describe('HTML to Markdown-ish text', () => {
  it.each([
    ['paragraphs and line breaks', '<p>One</p><p>Two<br>still two</p>', 'One\n\nTwo\nstill two'],
    ['divs are lines, <div><br></div> a blank line', '<div>Hi</div><div><br></div><div>Bye</div>', 'Hi\n\nBye'],
    ['bold and italic', '<p><b>bold</b>, <strong>strong</strong>, <i>it</i>, <em>em</em></p>', '**bold**, **strong**, _it_, _em_'],
    ['emphasis spaces move outside the markers', '<p>a<b> b </b>c</p>', 'a **b** c'],
    ['empty emphasis leaves nothing', '<p>a<b> </b>b<i></i></p>', 'a b'],
    ['nested same emphasis is not doubled', '<b>x <strong>y</strong> z</b>', '**x y z**'],
    ['emphasis across a <br> is closed and reopened per line', '<b>one<br>two</b>', '**one**\n**two**'],
    ['strikethrough', '<s>old</s> <del>gone</del>', '~~old~~ ~~gone~~'],
    ['headings are bold paragraphs', '<h1>Title</h1><p>Text</p>', '**Title**\n\nText'],
    ['http link', '<a href="https://example.com/a">the page</a>', '[the page](https://example.com/a)'],
    ['mailto link', '<a href="mailto:ann@example.com">write Ann</a>', '[write Ann](mailto:ann@example.com)'],
    ['a link showing its own URL is bare', '<a href="https://example.com/">https://example.com</a>', 'https://example.com/'],
    ['a mailto showing its address is the address', '<a href="mailto:ann@example.com">ann@example.com</a>', 'ann@example.com'],
    ['a link whose text is another URL shows both', '<a href="https://evil.example">https://bank.example</a>', 'https://bank.example (https://evil.example)'],
    ['parentheses and brackets cannot break the link', '<a href="https://w.example/A_(b)">see [1]</a>', '[see (1)](https://w.example/A_%28b%29)'],
    ['an image-only link leaves nothing', '<p>x<a href="https://example.com"><img src="logo.png"></a>y</p>', 'xy'],
    ['entities in href and text', '<a href="https://e.example/?a=1&amp;b=2&times=3">A &amp; B</a>', '[A & B](https://e.example/?a=1&b=2&times=3)'],
    ['unordered list', '<ul><li>one</li><li>two</li></ul>', '- one\n- two'],
    ['ordered list with start', '<ol start="3"><li>three<li>four</ol>', '3. three\n4. four'],
    ['nested list', '<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>', '- a\n  - b\n- c'],
    ['list between paragraphs', '<p>Before</p><ul><li>x</li></ul><p>After</p>', 'Before\n\n- x\n\nAfter'],
    ['blockquote', '<p>Reply</p><blockquote><p>one</p><p>two</p></blockquote><p>After</p>', 'Reply\n\n> one\n>\n> two\n\nAfter'],
    ['nested blockquote', '<blockquote>a<blockquote>b</blockquote></blockquote>', '> a\n>\n> > b'],
    ['pre is a fence, whitespace kept', '<pre>  if (a &lt; b)\n    go();</pre>', '```\n  if (a < b)\n    go();\n```'],
    ['pre in a list item', '<ul><li><pre>a\nb</pre></li></ul>', '- ```\n  a\n  b\n  ```'],
    ['pre containing a fence gets a longer one', '<pre>```\nx\n```</pre>', '````\n```\nx\n```\n````'],
    ['inline code', '<p>run <code>npm test</code> now</p>', 'run `npm test` now'],
    ['inline code with a backtick', '<code>a`b</code>', '`` a`b ``'],
    ['whitespace collapses', '<p>  lots \n\t of   space  </p>', 'lots of space'],
    ['no-break spaces stay', '<p>10&nbsp;000&nbsp;руб.</p>', '10 000 руб.'],
    ['entities: named, numeric, hex, windows-1252 range', '&laquo;Ёлка&raquo; &mdash; &#8470;5 &#x2713; &#150; &copy;', '«Ёлка» — №5 ✓ – ©'],
    ['unknown entities stay as written', '&bogus; &amp', '&bogus; &'],
    ['tables: cells on a line, rows on lines', '<table><tr><td>Name</td><td>Qty</td></tr><tr><td>Pens</td><td>10</td></tr></table>', 'Name Qty\nPens 10'],
    ['Outlook MsoNormal paragraphs are lines', '<p class=MsoNormal>One<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Two</p>', 'One\n\nTwo'],
    ['unclosed tags', '<div><p>open <b>bold <i>both', 'open **bold _both_**'],
    ['stray end tags are ignored', '</div></p>text</b>', 'text'],
    ['text outside any tag', 'plain & simple', 'plain & simple'],
    ['a lone < is text', 'a < b, 3<4, <<x', 'a < b, 3<4, <'],
    ['textarea content is text', '<textarea>typed &lt;b&gt;</textarea>', 'typed <b>'],
    ['end tags are found whatever the case, past text that lowercases longer', '<script>\u0130\u0130\u0130</SCRIPT>visible', 'visible'],
  ])('%s', (_name, html, expected) => {
    expect(htmlToText(html)).toBe(expected);
  });
});

describe('what is dropped', () => {
  it.each([
    ['head, title, style, meta', '<html><head><title>T</title><meta charset=utf-8><style>p{}</style></head><body>Body</body></html>', 'Body'],
    ['an unclosed head ends where the body starts', '<html><head><title>T</title><div>Body</div>', 'Body'],
    ['scripts, including ones that look closed inside strings', '<script>var s = "<\\/p>"; alert(1)</script>After', 'After'],
    ['comments and Outlook conditionals', 'A<!-- hidden --><!--[if mso]><p>mso only</p><![endif]-->B', 'AB'],
    ['an unterminated comment swallows the rest', 'A<!-- never closed <p>B</p>', 'A'],
    ['tracking pixels and images', '<p>Hi<img src="https://t.example/p.gif" width=1 height=1></p>', 'Hi'],
    ['display:none preheaders', '<div style="display: none; max-height:0">preheader</div><p>Body</p>', 'Body'],
    ['visibility:hidden and mso-hide', '<span style="visibility:hidden">x</span><span style="mso-hide:all">y</span>z', 'z'],
    ['the hidden attribute', '<p hidden>secret</p>shown', 'shown'],
    ['forms, buttons, selects', '<form><input value="pw"><select><option>opt</option></select><button>Go</button></form>ok', 'ok'],
    ['svg and iframes', '<svg><text>drawn</text></svg><iframe src="x">frame</iframe>ok', 'ok'],
    ['zero-width padding', 'a\u200b\u200bb&zwnj;\u00ad\ufeffc', 'ab\u200cc'],
  ])('%s', (_name, html, expected) => {
    expect(htmlToText(html)).toBe(expected);
  });
});

describe('quoted history in HTML (dropHistory)', () => {
  it.each([
    ['Gmail', '<div dir="ltr">New text</div><br><div class="gmail_quote"><div class="gmail_attr">On Mon, Ann wrote:<br></div><blockquote class="gmail_quote">old</blockquote></div>'],
    ['Gmail (new container class)', '<div>New text</div><div class="gmail_quote gmail_quote_container">old</div>'],
    ['Outlook on the web', '<div>New text</div><div id="appendonsend"></div><hr tabindex="-1"><div id="divRplyFwdMsg"><b>From:</b> Ann</div><div>old</div>'],
    ['Outlook, divRplyFwdMsg after an <hr>', '<div>New text</div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg">From: Ann</div><div>old</div>'],
    ['Yahoo', '<div>New text</div><div class="yahoo_quoted">old</div>'],
    ['history nested deep inside the reply', '<table><tr><td><div>New text</div><div><div class="gmail_quote">old</div><p>after quote</p></div></td></tr></table><p>footer</p>'],
  ])('%s', (_name, html) => {
    expect(htmlToText(html, { dropHistory: true })).toBe('New text');
    expect(htmlToText(html)).toContain('old');
  });
});

/** Every tag and attribute the renderer emitted, to check the Markdown output cannot smuggle markup. */
function tagsIn(html: string): string[] {
  return [...html.matchAll(/<\/?([a-z]+)([^>]*)>/g)].map((m) => m[1] + m[2].replace(/="[^"]*"/g, ''));
}

describe('hostile HTML becomes inert text', () => {
  const HOSTILE = [
    '<script>alert(1)</script>',
    '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
    '<img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">click</a>',
    '<a href=" jav&#x09;ascript:alert(1)">tab</a>',
    '<a href="&#106;avascript:alert(1)">entity</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    '<body onload=alert(1)>body</body>',
    '<svg/onload=alert(1)>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<div style="background:url(javascript:alert(1))">styled</div>',
    '<b><i><a href="javascript:alert(1)"><b>nested</b></a></i></b>',
    '<a href="https://x.example/"><a href="javascript:alert(1)">inner</a></a>',
    '&lt;script&gt;alert(1)&lt;/script&gt;',
    '<math><mi xlink:href="javascript:alert(1)">m</mi></math>',
    '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<a href="https://ok.example/x)](javascript:alert(1)">tricky</a>',
    '[x](javascript:alert(1)) <a href="https://ok.example">[y](javascript:alert(2))</a>',
  ];

  it.each(HOSTILE)('%s', (html) => {
    const text = htmlToText(html);
    expect(text).not.toMatch(/onerror|onload|onclick|vbscript|data:text|srcdoc|refresh/i);
    expect(text).not.toMatch(/<(?!script>alert\(1\)<\/script>)[a-z]/i); // only the escaped text sample may look like a tag
    const rendered = renderMarkdown(text);
    for (const tag of tagsIn(rendered)) expect(tag).toMatch(/^(?:p|br|strong|em|del|code|pre|blockquote|ul|ol|li|a|span)(?: (?:href|rel|target|class))*$/);
    expect(rendered).not.toMatch(/href="(?!https?:|mailto:)/i);
    expect(rendered).not.toMatch(/<script/i);
  });
});

describe('bounded work on pathological HTML', () => {
  it.each([
    ['deep nesting', '<div>'.repeat(100_000) + 'x' + '</div>'.repeat(100_000)],
    ['deep blockquotes', '<blockquote>'.repeat(50_000) + 'x'],
    ['many stray <', '<'.repeat(300_000)],
    ['many entities', '&amp;'.repeat(100_000) + '&'.repeat(100_000)],
    ['unterminated attribute quote', '<a href="' + 'x'.repeat(300_000)],
    ['huge attribute list', '<p ' + 'a=b '.repeat(100_000) + '>x</p>'],
    ['many end tags', '</b>'.repeat(200_000)],
    ['whitespace runs', '<pre>' + ' '.repeat(300_000) + 'x' + ' '.repeat(300_000) + '</pre>'],
    ['many list items', '<ol>' + '<li>x'.repeat(50_000) + '</ol>'],
    ['many backtick runs in code', '<code>' + '`a'.repeat(200_000) + '</code>'],
    ['unclosed script', '<script>' + 'x'.repeat(300_000)],
    ['more elements than the cap', '<b>x</b>'.repeat(300_000)],
    ['many scripts past the cap', '<i></i>'.repeat(100_001) + '<script>s</script>'.repeat(100_000) + 'end'],
  ])('%s', (_name, html) => {
    const started = Date.now();
    const text = htmlToText(html, { dropHistory: true });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(text).not.toContain('<script');
  });

  it('text past the element cap is kept, only the tags are ignored', () => {
    const text = htmlToText('<i></i>'.repeat(100_000) + '<p>before</p><b>x</b><p>after</p>');
    expect(text).toBe('beforexafter');
  });
});
