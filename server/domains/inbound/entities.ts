/**
 * HTML character references as they occur in real mail: numeric references and the named ones that mail
 * clients and newsletters actually emit (typography, currency, Latin-1 letters). An unknown name stays as
 * written, which is what a browser shows for it too.
 */

const NAMED: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', shy: '\u00ad',
  ensp: '\u2002', emsp: '\u2003', thinsp: '\u2009', zwnj: '\u200c', zwj: '\u200d', lrm: '\u200e', rlm: '\u200f',
  ndash: '\u2013', mdash: '\u2014', minus: '\u2212', hellip: '\u2026', bull: '\u2022', middot: '\u00b7',
  lsquo: '\u2018', rsquo: '\u2019', sbquo: '\u201a', ldquo: '\u201c', rdquo: '\u201d', bdquo: '\u201e',
  laquo: '\u00ab', raquo: '\u00bb', lsaquo: '\u2039', rsaquo: '\u203a', prime: '\u2032', Prime: '\u2033',
  copy: '\u00a9', reg: '\u00ae', trade: '\u2122', sect: '\u00a7', para: '\u00b6', deg: '\u00b0',
  plusmn: '\u00b1', times: '\u00d7', divide: '\u00f7', frac12: '\u00bd', frac14: '\u00bc', frac34: '\u00be',
  sup1: '\u00b9', sup2: '\u00b2', sup3: '\u00b3', micro: '\u00b5', permil: '\u2030', numero: '\u2116',
  euro: '\u20ac', pound: '\u00a3', yen: '\u00a5', cent: '\u00a2', curren: '\u00a4', iexcl: '\u00a1', iquest: '\u00bf',
  dagger: '\u2020', Dagger: '\u2021', larr: '\u2190', rarr: '\u2192', uarr: '\u2191', darr: '\u2193',
  harr: '\u2194', check: '\u2713', hearts: '\u2665', star: '\u2606', starf: '\u2605', infin: '\u221e',
  le: '\u2264', ge: '\u2265', ne: '\u2260', asymp: '\u2248', ordf: '\u00aa', ordm: '\u00ba', macr: '\u00af',
  acute: '\u00b4', cedil: '\u00b8', uml: '\u00a8', not: '\u00ac', brvbar: '\u00a6', szlig: '\u00df',
  colon: ':', sol: '/', lpar: '(', rpar: ')', period: '.', comma: ',', excl: '!', quest: '?', num: '#',
  commat: '@', lsqb: '[', rsqb: ']', lowbar: '_', grave: '`', Tab: '\t', NewLine: '\n',
});

// Latin-1 letters follow a regular naming scheme (&Auml; &eacute; ...): build them instead of listing 50 lines.
const ACCENTS: Array<[string, string, string]> = [
  ['grave', 'AEIOU', '\u00c0\u00c8\u00cc\u00d2\u00d9'], ['acute', 'AEIOUY', '\u00c1\u00c9\u00cd\u00d3\u00da\u00dd'],
  ['circ', 'AEIOU', '\u00c2\u00ca\u00ce\u00d4\u00db'], ['tilde', 'ANO', '\u00c3\u00d1\u00d5'],
  ['uml', 'AEIOU', '\u00c4\u00cb\u00cf\u00d6\u00dc'], ['ring', 'A', '\u00c5'], ['cedil', 'C', '\u00c7'],
  ['slash', 'O', '\u00d8'],
];
for (const [suffix, letters, upper] of ACCENTS) {
  for (let i = 0; i < letters.length; i++) {
    NAMED[letters[i] + suffix] = upper[i];
    NAMED[letters[i].toLowerCase() + suffix] = upper[i].toLowerCase();
  }
}
NAMED.yuml = '\u00ff';
NAMED.AElig = '\u00c6';
NAMED.aelig = '\u00e6';
NAMED.ETH = '\u00d0';
NAMED.eth = '\u00f0';
NAMED.THORN = '\u00de';
NAMED.thorn = '\u00fe';

// Numeric references that browsers map through windows-1252 (&#150; is an en dash, not a C1 control).
const WIN1252: Record<number, string> = {
  0x80: '\u20ac', 0x82: '\u201a', 0x84: '\u201e', 0x85: '\u2026', 0x86: '\u2020', 0x87: '\u2021', 0x89: '\u2030',
  0x8b: '\u2039', 0x91: '\u2018', 0x92: '\u2019', 0x93: '\u201c', 0x94: '\u201d', 0x95: '\u2022', 0x96: '\u2013',
  0x97: '\u2014', 0x99: '\u2122', 0x9b: '\u203a',
};

const REF = /&(?:#(\d{1,8});?|#[xX]([0-9a-fA-F]{1,7});?|([A-Za-z][A-Za-z0-9]{1,31})(;?))/g;

// The few names that old mail generators write without the semicolon (&nbsp &amp). Any other name needs it,
// so that a query string such as ?a=1&times=2 keeps its text.
const BARE_OK = new Set(['amp', 'lt', 'gt', 'quot', 'nbsp']);

/** Decode character references; invalid code points become U+FFFD, unknown names stay as written. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(REF, (m, dec: string | undefined, hex: string | undefined, name: string | undefined, semi: string) => {
    if (name !== undefined) {
      const v = NAMED[name];
      return v === undefined || (!semi && !BARE_OK.has(name)) ? m : v;
    }
    const cp = dec !== undefined ? parseInt(dec, 10) : parseInt(hex as string, 16);
    if (WIN1252[cp]) return WIN1252[cp];
    if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
    return String.fromCodePoint(cp);
  });
}
