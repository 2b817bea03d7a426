import type { Mail } from '../mail';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The invitation mail, in English and Russian (the invitee's language is not known yet). */
export function invitationMail(p: { to: string; inviter: string; workspace: string; link: string; expiresAt: Date }): Mail {
  const date = p.expiresAt.toISOString().slice(0, 10);
  const text = [
    `${p.inviter} invites you to join ${p.workspace} on Artel.`,
    `Accept the invitation and set your password: ${p.link}`,
    `The link works once and expires on ${date}.`,
    '',
    `${p.inviter} приглашает вас в ${p.workspace} в Artel.`,
    `Примите приглашение и задайте пароль: ${p.link}`,
    `Ссылка одноразовая и действует до ${date}.`,
  ].join('\n');
  const html = `<p>${escape(p.inviter)} invites you to join <b>${escape(p.workspace)}</b> on Artel.<br>
${escape(p.inviter)} приглашает вас в <b>${escape(p.workspace)}</b> в Artel.</p>
<p><a href="${escape(p.link)}">Accept the invitation / Принять приглашение</a></p>
<p>The link works once and expires on ${date}. Ссылка одноразовая и действует до ${date}.</p>`;
  return { to: p.to, subject: `Invitation to ${p.workspace} · Приглашение в ${p.workspace}`, text, html };
}
