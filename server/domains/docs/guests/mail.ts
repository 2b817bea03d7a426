import type { Mail } from '../../mail';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A page's guest link mailed to someone outside the workspace, in English and Russian (their language is
 * unknown): who shares it, the page, whether they may edit it, and the personal link with its last day.
 */
export function docLinkMail(p: { to: string; author: string; workspace: string; title: string; access: 'read' | 'edit'; link: string; expiresAt: Date }): Mail {
  const until = p.expiresAt.toISOString().slice(0, 10);
  const what = p.access === 'edit' ? 'to read and edit · для просмотра и правки' : 'to read · для просмотра';
  const title = p.title.trim() || 'Untitled · Без названия';
  const plain = [
    `${p.author} (${p.workspace}) shares a document with you ${what} · делится с вами документом:`,
    '',
    title,
    '',
    `Open (no account needed) · Открыть (без регистрации): ${p.link}`,
    `The link is personal and works until ${until} · Ссылка личная и действует до ${until}.`,
  ].join('\n');
  const html = `<p>${escape(p.author)} (${escape(p.workspace)}) shares a document with you ${what} · делится с вами документом:</p>
<h3>${escape(title)}</h3>
<p><a href="${escape(p.link)}">Open the document · Открыть документ</a></p>
<p style="color:#666">The link is personal and works until ${until} · Ссылка личная и действует до ${until}.</p>`;
  return { to: p.to, subject: `${title} · ${p.workspace}`, text: plain, html };
}
