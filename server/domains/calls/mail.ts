import type { Mail } from '../mail';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The invitation to a call for someone outside the workspace, in English and Russian (their language is
 * unknown): who invites, the call, its planned time when it has one, and the personal link.
 */
export function callInvitationMail(p: {
  to: string;
  author: string;
  workspace: string;
  title: string;
  link: string;
  expiresAt: Date;
  scheduledFor: Date | null;
}): Mail {
  const until = p.expiresAt.toISOString().slice(0, 10);
  const when = p.scheduledFor ? p.scheduledFor.toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : null;
  const plain = [
    `${p.author} (${p.workspace}) invites you to a video call · приглашает вас на видеозвонок:`,
    '',
    p.title,
    ...(when ? [`When · Когда: ${when}`] : []),
    '',
    `Join (no account needed) · Присоединиться (без регистрации): ${p.link}`,
    'Someone in the call lets you in · Кто-то из участников впустит вас.',
    `The link is personal and works until ${until} · Ссылка личная и действует до ${until}.`,
  ].join('\n');
  const html = `<p>${escape(p.author)} (${escape(p.workspace)}) invites you to a video call · приглашает вас на видеозвонок:</p>
<h3>${escape(p.title)}</h3>${when ? `<p>When · Когда: ${escape(when)}</p>` : ''}
<p><a href="${escape(p.link)}">Join the call · Присоединиться к звонку</a></p>
<p style="color:#666">Someone in the call lets you in · Кто-то из участников впустит вас. The link is personal and works until ${until} · Ссылка личная и действует до ${until}.</p>`;
  return { to: p.to, subject: `${p.title} · ${p.workspace}`, text: plain, html };
}
