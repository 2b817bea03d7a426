import { describe, expect, it } from 'vitest';
import { markdownToText, renderMarkdown } from '../../shared/markdown';
import { parseMentions } from '../../shared/mentions';
import { XSS_CORPUS, XSS_MENTION_ID } from '../fixtures/xss-corpus';

// Expected outputs are written out by hand from the subset's rules, never produced by the renderer itself.

const ANN = XSS_MENTION_ID;
const BOB = '7d1c2f3e-aaaa-4bbb-8ccc-0123456789ab';
const NAMES: Record<string, string> = { [ANN]: 'Ann', [BOB]: 'Борис' };
const mentionName = (id: string): string | null => NAMES[id] ?? null;
const A = (href: string) => `<a href="${href}" rel="noopener noreferrer nofollow" target="_blank">`;
const md = (src: string) => renderMarkdown(src, { mentionName });

// ---------------------------------------------------------------------------------------------------------
// A strict scanner for the renderer's output: the whole string must be allowed tags (with allowed, double-quoted
// attributes) and escaped text, properly nested. Anything else throws.

const TAGS = new Set(['p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'span']);
const ATTRS = new Set(['href', 'rel', 'target', 'class', 'data-user-id']);
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ENTITY = /&(?:amp|lt|gt|quot|#39);/y;
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=>]+="[^"]*")*)\s*(\/?)>/y;
const ATTR = /\s+([^\s=>]+)="([^"]*)"/g;

/** What the browser reads from an attribute value: our output only ever uses these five references. */
function attrValue(raw: string): string {
  if (/[<>]/.test(raw)) throw new Error(`raw < or > in attribute value ${raw}`);
  for (let i = raw.indexOf('&'); i >= 0; i = raw.indexOf('&', i + 1)) {
    ENTITY.lastIndex = i;
    if (!ENTITY.test(raw)) throw new Error(`bare & in attribute value ${raw}`);
  }
  return raw.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

interface Element {
  name: string;
  attrs: Record<string, string>;
}

function strictScan(html: string): Element[] {
  const elements: Element[] = [];
  const open: string[] = [];
  let i = 0;
  while (i < html.length) {
    const c = html[i];
    if (c === '<') {
      TAG.lastIndex = i;
      const m = TAG.exec(html);
      if (!m) throw new Error(`unparseable '<' at ${i}: ${html.slice(i, i + 40)}`);
      const [whole, slash, name, attrText, selfClose] = m;
      if (name !== name.toLowerCase() || !TAGS.has(name)) throw new Error(`tag not allowed: ${name}`);
      if (selfClose) throw new Error(`self-closing tag ${whole}`);
      if (slash) {
        if (attrText) throw new Error(`attributes on a closing tag: ${whole}`);
        if (open.pop() !== name) throw new Error(`misnested </${name}> in ${html}`);
      } else {
        const attrs: Record<string, string> = {};
        for (const a of attrText.matchAll(ATTR)) {
          const attr = a[1];
          if (/^on/i.test(attr)) throw new Error(`event handler attribute ${attr}`);
          if (!ATTRS.has(attr)) throw new Error(`attribute not allowed: ${attr}`);
          if (attr in attrs) throw new Error(`duplicate attribute ${attr}`);
          attrs[attr] = attrValue(a[2]);
        }
        checkElement(name, attrs, open);
        elements.push({ name, attrs });
        if (name !== 'br') open.push(name);
      }
      i += whole.length;
    } else if (c === '&') {
      ENTITY.lastIndex = i;
      const m = ENTITY.exec(html);
      if (!m) throw new Error(`bare & at ${i}: ${html.slice(i, i + 20)}`);
      i += m[0].length;
    } else if (c === '>' || c === '"' || c === "'") {
      throw new Error(`unescaped ${c} in text at ${i}: ${html.slice(Math.max(0, i - 20), i + 20)}`);
    } else {
      i++;
    }
  }
  if (open.length) throw new Error(`unclosed ${open.join(',')}`);
  return elements;
}

function checkElement(name: string, attrs: Record<string, string>, open: string[]): void {
  const keys = Object.keys(attrs).sort().join(',');
  switch (name) {
    case 'a': {
      if (keys !== 'href,rel,target') throw new Error(`<a> attributes: ${keys}`);
      if (attrs.rel !== 'noopener noreferrer nofollow' || attrs.target !== '_blank') throw new Error('<a> without rel/target');
      const href = attrs.href.replace(/[\s\u0000-\u001f\u007f-\u009f]/g, '');
      if (!/^(?:https?|mailto):/i.test(href)) throw new Error(`href scheme: ${attrs.href}`);
      if (!/^(?:https?|mailto):/.test(href.replace(/^[a-zA-Z]+/, (s) => s.toLowerCase()))) throw new Error('href');
      if (open.includes('a')) throw new Error('link inside a link');
      break;
    }
    case 'span':
      if (keys === 'class,data-user-id') {
        if (attrs.class !== 'mention' || !UUID_RE.test(attrs['data-user-id'])) throw new Error(`bad mention ${JSON.stringify(attrs)}`);
      } else if (keys !== 'class' || attrs.class !== 'mention mention-all') throw new Error(`bad span ${JSON.stringify(attrs)}`);
      break;
    case 'code':
      if (keys && (keys !== 'class' || !/^language-[A-Za-z0-9_+#.-]+$/.test(attrs.class))) throw new Error(`bad code ${keys}`);
      break;
    default:
      if (keys) throw new Error(`<${name}> has attributes ${keys}`);
  }
}

/** The output is safe, and these are its elements. */
function safe(src: string, opts: Parameters<typeof renderMarkdown>[1] = { mentionName }): Element[] {
  const html = renderMarkdown(src, opts);
  try {
    return strictScan(html);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n  input: ${JSON.stringify(src)}\n  output: ${html}`);
  }
}

describe('the test scanner itself', () => {
  it.each([
    '<script>', '<p onclick="x">a</p>', '<a href="javascript:x" rel="noopener noreferrer nofollow" target="_blank">x</a>',
    '<p>a</b>', '<p>a', 'a > b', 'a & b', '<img src="x">', '<p>"</p>', '<span class="mention" data-user-id="x">@a</span>',
    '<a href="https://x">x</a>', '<p class="x">a</p>', '<br/>', '<P>a</P>', '<a href="https://x" rel="noopener noreferrer nofollow" target="_blank"><a href="https://y" rel="noopener noreferrer nofollow" target="_blank">y</a></a>',
  ])('rejects %s', (html) => {
    expect(() => strictScan(html)).toThrow();
  });

  it('accepts well-formed allowed output', () => {
    const html = `<p>a &amp; b<br><strong><em>c</em></strong> ${A('https://x?a=1&amp;b=2')}l</a> <span class="mention" data-user-id="${ANN}">@Ann</span></p>`;
    expect(strictScan(html).map((e) => e.name)).toEqual(['p', 'br', 'strong', 'em', 'a', 'span']);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('renderMarkdown: paragraphs and line breaks', () => {
  it.each([
    ['', ''],
    ['   \n\n \t ', ''],
    ['hello', '<p>hello</p>'],
    ['one\ntwo', '<p>one<br>two</p>'],
    ['one\n\ntwo', '<p>one</p><p>two</p>'],
    ['one\r\ntwo\r\n\r\nthree', '<p>one<br>two</p><p>three</p>'],
    ['a   \nb', '<p>a<br>b</p>'],
    ['\n\nmiddle\n\n\n', '<p>middle</p>'],
    ['a\n\n\n\nb', '<p>a</p><p>b</p>'],
  ])('%j', (src, html) => {
    expect(md(src)).toBe(html);
  });
});

describe('renderMarkdown: inline emphasis', () => {
  it.each([
    ['**bold**', '<p><strong>bold</strong></p>'],
    ['*italic* and _italic_', '<p><em>italic</em> and <em>italic</em></p>'],
    ['~~strike~~', '<p><del>strike</del></p>'],
    ['***both***', '<p><em><strong>both</strong></em></p>'],
    ['**a *b* c**', '<p><strong>a <em>b</em> c</strong></p>'],
    ['*a **b** c*', '<p><em>a <strong>b</strong> c</em></p>'],
    ['~~**a** b~~', '<p><del><strong>a</strong> b</del></p>'],
    ['__bold__', '<p><strong>bold</strong></p>'],
    ['a **b**c', '<p>a <strong>b</strong>c</p>'],
    ['**a\nb**', '<p><strong>a<br>b</strong></p>'],
    ['(*x*)', '<p>(<em>x</em>)</p>'],
  ])('%j', (src, html) => {
    expect(md(src)).toBe(html);
  });

  it.each([
    ['**open', '<p>**open</p>'],
    ['close**', '<p>close**</p>'],
    ['*a', '<p>*a</p>'],
    ['a * b * c', '<p>a * b * c</p>'],
    ['~single~', '<p>~single~</p>'],
    ['~~~three~~~', '<p>~~~three~~~</p>'],
    ['~~open only', '<p>~~open only</p>'],
    ['**a*', '<p>*<em>a</em></p>'],
    ['_ a _', '<p>_ a _</p>'],
    ['**', '<p>**</p>'],
  ])('unmatched markers stay literal: %j', (src, html) => {
    expect(md(src)).toBe(html);
  });

  it.each([
    ['snake_case_name', '<p>snake_case_name</p>'],
    ['use my_var and other_var', '<p>use my_var and other_var</p>'],
    ['CONST_A_B', '<p>CONST_A_B</p>'],
    ['file_name_v2.txt', '<p>file_name_v2.txt</p>'],
    ['_real_ italic and snake_case', '<p><em>real</em> italic and snake_case</p>'],
    ['_a_b_', '<p><em>a_b</em></p>'],
    ['переменная_с_подчёркиванием', '<p>переменная_с_подчёркиванием</p>'],
  ])('underscores inside words are not emphasis: %j', (src, html) => {
    expect(md(src)).toBe(html);
  });
});

describe('renderMarkdown: code', () => {
  it.each([
    ['`code`', '<p><code>code</code></p>'],
    ['`**not bold** _x_ ~~y~~`', '<p><code>**not bold** _x_ ~~y~~</code></p>'],
    ['`<b>&amp;</b>`', '<p><code>&lt;b&gt;&amp;amp;&lt;/b&gt;</code></p>'],
    ['`[x](https://a.b)` https://c.d', `<p><code>[x](https://a.b)</code> ${A('https://c.d')}https://c.d</a></p>`],
    ['`<@' + ANN + '>` @all', '<p><code>&lt;@' + ANN + '&gt;</code> <span class="mention mention-all">@all</span></p>'],
    ['`` a`b ``', '<p><code>a`b</code></p>'],
    ['` `` `', '<p><code>``</code></p>'],
    ['*a `*` b*', '<p><em>a <code>*</code> b</em></p>'],
    ['`unclosed', '<p>`unclosed</p>'],
    ['``a`', '<p>``a`</p>'],
    ['`a\nb`', '<p><code>a b</code></p>'],
    ['``` inline ```', '<p><code>inline</code></p>'],
  ])('code span %j', (src, html) => {
    expect(md(src)).toBe(html);
  });

  it('fenced code block: text escaped, markup literal, language class, lines kept', () => {
    const src = 'before\n```ts\nconst a = `x` && b < c; // **no** _markup_ <@' + ANN + '>\n\n  indented @all\n```\nafter';
    expect(md(src)).toBe(
      '<p>before</p><pre><code class="language-ts">const a = `x` &amp;&amp; b &lt; c; // **no** _markup_ &lt;@' + ANN +
        '&gt;\n\n  indented @all</code></pre><p>after</p>',
    );
  });

  it.each([
    ['```\nplain\n```', '<pre><code>plain</code></pre>'],
    ['```c++\nx\n```', '<pre><code class="language-c++">x</code></pre>'],
    ['```python extra words\nx\n```', '<pre><code class="language-python">x</code></pre>'],
    ['```"><script>\nx\n```', '<pre><code>x</code></pre>'],
    ['```\nunclosed\n**x**', '<pre><code>unclosed\n**x**</code></pre>'],
    ['````\n```\ninner\n```\n````', '<pre><code>```\ninner\n```</code></pre>'],
    ['```\n</code></pre><script>alert(1)</script>\n```', '<pre><code>&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;</code></pre>'],
    ['```\n```', '<pre><code></code></pre>'],
    ['> ```\n> *q*\n> ```', '<blockquote><pre><code>*q*</code></pre></blockquote>'],
  ])('fence %j', (src, html) => {
    expect(md(src)).toBe(html);
  });
});

describe('renderMarkdown: quotes and lists', () => {
  it.each([
    ['> quoted', '<blockquote><p>quoted</p></blockquote>'],
    ['> a\n> b\nc', '<blockquote><p>a<br>b</p></blockquote><p>c</p>'],
    ['>no space', '<blockquote><p>no space</p></blockquote>'],
    ['> a\n>\n> b', '<blockquote><p>a</p><p>b</p></blockquote>'],
    ['> outer\n>> inner', '<blockquote><p>outer</p><blockquote><p>inner</p></blockquote></blockquote>'],
    ['> - item\n> **b**', '<blockquote><ul><li>item</li></ul><p><strong>b</strong></p></blockquote>'],
    ['a > b', '<p>a &gt; b</p>'],
    ['- one\n- two', '<ul><li>one</li><li>two</li></ul>'],
    ['* one\n- two', '<ul><li>one</li><li>two</li></ul>'],
    ['- **bold** item\n- [l](https://x.y)', `<ul><li><strong>bold</strong> item</li><li>${A('https://x.y')}l</a></li></ul>`],
    ['1. one\n2. two\n10. ten', '<ol><li>one</li><li>two</li><li>ten</li></ol>'],
    ['1. one\n1. again', '<ol><li>one</li><li>again</li></ol>'],
    ['2. on its own', '<p>2. on its own</p>'],
    ['2024. was a year', '<p>2024. was a year</p>'],
    ['intro:\n- a\n- b\nafter', '<p>intro:</p><ul><li>a</li><li>b</li></ul><p>after</p>'],
    ['- a\n1. b', '<ul><li>a</li></ul><ol><li>b</li></ol>'],
    ['*not a list*', '<p><em>not a list</em></p>'],
    ['-not a list', '<p>-not a list</p>'],
    ['- ', '<p>-</p>'],
    ['  - indented', '<ul><li>indented</li></ul>'],
  ])('%j', (src, html) => {
    expect(md(src)).toBe(html);
  });

  it('nests quotes up to a limit, then keeps the markers as text', () => {
    const html = md('>'.repeat(12) + ' deep');
    expect(html).toBe('<blockquote>'.repeat(8) + '<p>&gt;&gt;&gt;&gt; deep</p>' + '</blockquote>'.repeat(8));
  });
});

describe('renderMarkdown: links', () => {
  it.each([
    ['see https://example.com', `<p>see ${A('https://example.com')}https://example.com</a></p>`],
    ['http://a.b/c?d=1&e=2#f', `<p>${A('http://a.b/c?d=1&amp;e=2#f')}http://a.b/c?d=1&amp;e=2#f</a></p>`],
    ['end https://a.b/c.', `<p>end ${A('https://a.b/c')}https://a.b/c</a>.</p>`],
    ['(https://a.b/c)', `<p>(${A('https://a.b/c')}https://a.b/c</a>)</p>`],
    ['https://en.wikipedia.org/wiki/Foo_(bar)', `<p>${A('https://en.wikipedia.org/wiki/Foo_(bar)')}https://en.wikipedia.org/wiki/Foo_(bar)</a></p>`],
    ['https://a.b/x_y_z_', `<p>${A('https://a.b/x_y_z')}https://a.b/x_y_z</a>_</p>`],
    ['*https://a.b*', `<p><em>${A('https://a.b')}https://a.b</a></em></p>`],
    ['<https://a.b/c>', `<p>${A('https://a.b/c')}https://a.b/c</a></p>`],
    ['<https://a.b/c.>', `<p>${A('https://a.b/c.')}https://a.b/c.</a></p>`],
    ['<https://a.b/c d>', `<p>&lt;${A('https://a.b/c')}https://a.b/c</a> d&gt;</p>`],
    ['HTTPS://A.B', `<p>${A('HTTPS://A.B')}HTTPS://A.B</a></p>`],
    ['https://пример.рф/путь', `<p>${A('https://пример.рф/путь')}https://пример.рф/путь</a></p>`],
    ['xhttps://a.b', '<p>xhttps://a.b</p>'],
    ['https://', '<p>https://</p>'],
    ['ftp://a.b', '<p>ftp://a.b</p>'],
    ['[text](https://a.b/c)', `<p>${A('https://a.b/c')}text</a></p>`],
    ['[mail me](mailto:me@a.b)', `<p>${A('mailto:me@a.b')}mail me</a></p>`],
    ['[**b** _i_](http://a.b)', `<p>${A('http://a.b')}<strong>b</strong> <em>i</em></a></p>`],
    ['[a [b] c](https://a.b)', `<p>${A('https://a.b')}a [b] c</a></p>`],
    ['[w](https://a.b/Foo_(bar))', `<p>${A('https://a.b/Foo_(bar)')}w</a></p>`],
    ['[q](https://a.b/?x=1&amp;y=2)', `<p>${A('https://a.b/?x=1&amp;y=2')}q</a></p>`],
    ['[](https://a.b)', `<p>${A('https://a.b')}https://a.b</a></p>`],
    ['[https://shown.x](https://real.y)', `<p>${A('https://real.y')}https://shown.x</a></p>`],
    ['[[inner](https://a.b)](https://c.d)', `<p>[${A('https://a.b')}inner</a>](${A('https://c.d')}https://c.d</a>)</p>`],
    ['*[a](https://a.b)*', `<p><em>${A('https://a.b')}a</a></em></p>`],
    ['[*a](https://a.b)*', `<p>${A('https://a.b')}*a</a>*</p>`],
    ['[x](/relative)', '<p>[x](/relative)</p>'],
    ['[x](#anchor)', '<p>[x](#anchor)</p>'],
    ['[x](https://a.b "title")', `<p>[x](${A('https://a.b')}https://a.b</a> &quot;title&quot;)</p>`],
    ['[x] (https://a.b)', `<p>[x] (${A('https://a.b')}https://a.b</a>)</p>`],
    ['[x]()', '<p>[x]()</p>'],
    ['[unclosed](https://a.b', `<p>[unclosed](${A('https://a.b')}https://a.b</a></p>`],
  ])('%j', (src, html) => {
    expect(md(src)).toBe(html);
  });
});

describe('renderMarkdown: mentions', () => {
  it('renders a known user with their name and an unknown one as @unknown', () => {
    expect(md(`hi <@${ANN}> and <@${BOB}> and <@00000000-0000-4000-8000-000000000000>`)).toBe(
      `<p>hi <span class="mention" data-user-id="${ANN}">@Ann</span> and ` +
        `<span class="mention" data-user-id="${BOB}">@Борис</span> and ` +
        '<span class="mention" data-user-id="00000000-0000-4000-8000-000000000000">@unknown</span></p>',
    );
  });

  it('without a mentionName every mention is @unknown', () => {
    expect(renderMarkdown(`<@${ANN}>`)).toBe(`<p><span class="mention" data-user-id="${ANN}">@unknown</span></p>`);
    expect(renderMarkdown(`<@${ANN}>`, { mentionName: () => '' })).toContain('@unknown');
  });

  it('escapes hostile names', () => {
    const html = renderMarkdown(`<@${ANN}>`, { mentionName: () => '"><img src=x onerror=alert(1)>' });
    expect(html).toBe(`<p><span class="mention" data-user-id="${ANN}">@&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</span></p>`);
  });

  it.each([
    `<@${ANN.toUpperCase()}>`,
    '<@0b8f6f4e-5d43-4c1e-9a51>',
    '<@ann>',
    `<@${ANN}`,
    `<@ ${ANN}>`,
    `<@${ANN}x>`,
  ])('is not a mention: %j', (src) => {
    const html = md(src);
    expect(html).not.toContain('<span');
    expect(html).toContain('&lt;@');
  });

  it.each([
    ['@all', '@all'],
    ['@ALL', '@ALL'],
    ['@все', '@все'],
    ['@ВСЕ', '@ВСЕ'],
  ])('%j notifies everyone and keeps the word as written', (src, shown) => {
    expect(md(`${src}, look`)).toBe(`<p><span class="mention mention-all">${shown}</span>, look</p>`);
  });

  it.each([
    ['(@all)', '<p>(<span class="mention mention-all">@all</span>)</p>'],
    ['ok @все!', '<p>ok <span class="mention mention-all">@все</span>!</p>'],
    ['line\n@all', '<p>line<br><span class="mention mention-all">@all</span></p>'],
    ['mail@all.example', '<p>mail@all.example</p>'],
    ['@allow', '<p>@allow</p>'],
    ['@всем', '<p>@всем</p>'],
    ['**@all**', '<p><strong>@all</strong></p>'],
  ])('@all boundaries %j', (src, html) => {
    expect(md(src)).toBe(html);
  });

  it.each(['@all', 'hi @all.', '(@все)', 'x@all', '@allx', 'a\n@ВСЕ b', '**@all**', '- @all', '> @all', 'pre @all: post', '@all<b>'])(
    'renders @all exactly when parseMentions notifies everyone: %j',
    (body) => {
      expect(md(body).includes('mention-all')).toBe(parseMentions(body).all);
    },
  );

  it('renders user mentions exactly where parseMentions finds them', () => {
    const body = `<@${ANN}> <@${BOB.toUpperCase()}> <@${BOB}> <@x>`;
    const rendered = [...md(body).matchAll(/data-user-id="([^"]+)"/g)].map((m) => m[1]);
    expect(rendered).toEqual(parseMentions(body).userIds);
  });
});

describe('renderMarkdown: Russian text', () => {
  it.each([
    ['Привет, **мир**! _курсив_ и ~~зачёркнуто~~', '<p>Привет, <strong>мир</strong>! <em>курсив</em> и <del>зачёркнуто</del></p>'],
    ['*Ёлка*', '<p><em>Ёлка</em></p>'],
    ['@все, смотрите https://пример.рф/док.', `<p><span class="mention mention-all">@все</span>, смотрите ${A('https://пример.рф/док')}https://пример.рф/док</a>.</p>`],
    ['- пункт один\n- пункт два', '<ul><li>пункт один</li><li>пункт два</li></ul>'],
    ['> цитата\nответ', '<blockquote><p>цитата</p></blockquote><p>ответ</p>'],
    ['[ссылка](https://example.com/страница)', `<p>${A('https://example.com/страница')}ссылка</a></p>`],
    ['`код_на_русском` и слово_слово', '<p><code>код_на_русском</code> и слово_слово</p>'],
    ['Кавычки "ёлочки" «и» \'так\'', '<p>Кавычки &quot;ёлочки&quot; «и» &#39;так&#39;</p>'],
  ])('%j', (src, html) => {
    expect(md(src)).toBe(html);
  });

  it('names a mention in Cyrillic', () => {
    expect(md(`<@${BOB}>, привет`)).toBe(`<p><span class="mention" data-user-id="${BOB}">@Борис</span>, привет</p>`);
  });
});

describe('renderMarkdown: everything else is text', () => {
  it.each([
    ['<b>bold</b>', '<p>&lt;b&gt;bold&lt;/b&gt;</p>'],
    ['a & b &amp; c', '<p>a &amp; b &amp;amp; c</p>'],
    ['"double" \'single\'', '<p>&quot;double&quot; &#39;single&#39;</p>'],
    ['# not a heading', '<p># not a heading</p>'],
    ['![img](https://a.b/i.png)', `<p>!${A('https://a.b/i.png')}img</a></p>`],
    ['\\*not escaped\\*', '<p>\\<em>not escaped\\</em></p>'],
    ['| a | b |', '<p>| a | b |</p>'],
    ['---', '<p>---</p>'],
    ['nul\u0000char', '<p>nul\ufffdchar</p>'],
  ])('%j', (src, html) => {
    expect(md(src)).toBe(html);
  });
});

describe('markdownToText', () => {
  it.each([
    ['', ''],
    ['**Hi** _there_, see [the docs](https://x.y) and `a_b`', 'Hi there, see the docs and a_b'],
    ['one\ntwo\n\nthree', 'one\ntwo\nthree'],
    ['> quoted\nreply', 'quoted\nreply'],
    ['- a\n- **b**\n\n1. x\n2. y', '- a\n- b\n1. x\n2. y'],
    ['```js\nconst x = 1;\n```', 'const x = 1;'],
    ['<b>raw</b> & "q"', '<b>raw</b> & "q"'],
    ['see https://a.b/c.', 'see https://a.b/c.'],
    ['[x](javascript:alert(1))', '[x](javascript:alert(1))'],
    ['**unmatched', '**unmatched'],
    ['@все, привет', '@все, привет'],
    ['  \n  padded  \n  ', 'padded'],
  ])('%j', (src, text) => {
    expect(markdownToText(src, { mentionName })).toBe(text);
  });

  it('shows mentions as @Name, or @unknown', () => {
    expect(markdownToText(`<@${ANN}> and <@${BOB}> and <@00000000-0000-4000-8000-000000000000>`, { mentionName })).toBe(
      '@Ann and @Борис and @unknown',
    );
    expect(markdownToText(`hi <@${ANN}>`)).toBe('hi @unknown');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Hostile input: whatever comes in, the output passes the strict scanner.

// The corpus (test/fixtures/xss-corpus.ts) is shared with the browser test that renders it in Chromium.
const XSS = XSS_CORPUS;

describe('renderMarkdown: XSS corpus', () => {
  it('is large enough', () => {
    expect(XSS.length).toBeGreaterThanOrEqual(150);
  });

  it.each(XSS)('%j renders only allowed markup', (src) => {
    safe(src);
    safe(src, { mentionName: () => '"><img src=x onerror=alert(1)>' });
    safe(src, undefined);
    const html = md(src);
    // Text never holds a raw `<` (the scanner checks), so every <…> here is a real tag.
    const tags = html.match(/<[^>]*>/g) ?? [];
    for (const tag of tags) {
      expect(tag).not.toMatch(/^<\/?(?:script|img|svg|iframe|style|math)/i);
      expect(tag).not.toMatch(/\son[a-z]*\s*=/i);
      expect(tag.toLowerCase()).not.toMatch(/href="\s*(?:javascript|data|vbscript)/);
    }
  });

  it.each([
    '[x](javascript:alert(1))',
    '[x](JaVaScRiPt:alert(1))',
    '[x](&#106;avascript:alert(1))',
    '[x](&#x6A;avascript&#x3A;alert(1))',
    '[x](javascript&colon;alert(1))',
    '[x](jav&Tab;ascript:alert(1))',
    '[x](java&#x09;script:alert(1))',
    '[x](data:text/html;base64,PHNjcmlwdD4=)',
    '[x](vbscript:msgbox(1))',
    '[x](//evil.example)',
    '[x](ｊａｖａｓｃｒｉｐｔ：alert(1))',
    '[x](\u202ejavascript:alert(1))',
    '[x](<javascript:alert(1)>)',
  ])('no link at all for %j; its text is shown literally', (src) => {
    const html = md(src);
    expect(html).not.toContain('<a');
    expect(markdownToText(src)).toBe(src);
  });

  it('an entity-encoded http scheme is decoded into a plain link', () => {
    expect(md('[x](&#104;ttps://ok.example/?a=1&amp;b=2)')).toBe(`<p>${A('https://ok.example/?a=1&amp;b=2')}x</a></p>`);
  });

  it('quotes inside a destination stay inside the escaped href', () => {
    expect(md('[x](https://ok.example/"onclick="alert(1))')).toBe(
      `<p>${A('https://ok.example/&quot;onclick=&quot;alert(1)')}x</a></p>`,
    );
  });

  // A deterministic fuzz over markup characters and hostile fragments.
  it('random mixtures of markup and hostile fragments stay safe', () => {
    const parts = [
      '*', '**', '_', '__', '~~', '~', '`', '```', '\n', '\n\n', '> ', '- ', '1. ', '[', ']', '(', ')', '](', '<', '>', '"', "'",
      '&', '&#106;', 'javascript:', 'https://ok.example/', 'mailto:a@b.c', '<@', ANN, `<@${ANN}>`, '@all', '@все', 'x', ' ',
      'ж', '<script>', 'onerror=', '=', '\t', '\u0000', '\u202e',
    ];
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let k = 0; k < 1500; k++) {
      let src = '';
      const len = 1 + rand(30);
      for (let j = 0; j < len; j++) src += parts[rand(parts.length)];
      safe(src);
      expect(typeof markdownToText(src)).toBe('string');
    }
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('renderMarkdown: pathological shapes', () => {
  const N = 10_000;
  const fill = (unit: string) => unit.repeat(Math.ceil(N / unit.length)).slice(0, N);
  const shapes: [string, string][] = [
    ['5,000 * (and 5,000 more)', fill('*')],
    ['*a repeated', fill('*a')],
    ['a* repeated', fill('a*')],
    ['***a repeated', fill('***a')],
    ['*_~~ mixed', fill('*_~~')],
    ['5,000 [', fill('[')],
    ['5,000 ]', fill(']')],
    ['[]( repeated', fill('[](')],
    ['](  repeated', fill(']((')],
    ['[a]( repeated', fill('[a](')],
    ['[* repeated', fill('[*')],
    ['[x](javascript:…) repeated', fill('[x](javascript:a)')],
    ['nested > on one line', fill('>')],
    ['nested "> " on one line', fill('> ')],
    ['> lines', fill('>\n')],
    ['long run of _', fill('_')],
    ['__a_ repeated', fill('__a_')],
    ['backticks', fill('`')],
    ['backtick runs of growing length', Array.from({ length: 140 }, (_, k) => '`'.repeat(k + 1) + 'a').join('').slice(0, N)],
    ['` `` alternating', fill('` ``')],
    ['<@ repeated', fill('<@')],
    ['<https:// repeated', fill('<https://a')],
    ['http:// repeated', fill('http://')],
    ['URL with 10,000 (', 'https://a.example/' + fill('(')],
    ['URL with 10,000 )', 'https://a.example/' + fill(')')],
    ['&# in a destination', '[x](' + fill('&#') + ')'],
    ['@all repeated', fill('@all ')],
    ['newlines', fill('\n')],
    ['- repeated', fill('- ')],
    ['fences', fill('```\n')],
    ['Cyrillic emphasis', fill('*ж_')],
  ];

  it.each(shapes)('%s finishes quickly and safely', (_name, src) => {
    expect(src.length).toBeGreaterThan(N - 200);
    const t0 = performance.now();
    const html = renderMarkdown(src, { mentionName });
    const text = markdownToText(src, { mentionName });
    const ms = performance.now() - t0;
    console.log(`markdown: ${_name.padEnd(32)} ${ms.toFixed(1)} ms`);
    expect(typeof html).toBe('string');
    expect(typeof text).toBe('string');
    strictScan(html);
    // Not a benchmark: only a guard against catastrophic (super-linear) behaviour.
    expect(ms).toBeLessThan(2000);
  });
});

describe('links to pages of the app', () => {
  it('a path under /app/ is a link; anything that could leave the app is text', () => {
    expect(renderMarkdown('[Task: X](/app/tasks/1)')).toContain('<a href="/app/tasks/1"');
    for (const s of ['[x](//evil.example)', '[x](/app/../admin)', '[x](/appx)', '[x](/api/files/1)', '[x](/app/%2e%2e/x)']) {
      expect(renderMarkdown(s)).not.toContain('<a ');
    }
  });
});
