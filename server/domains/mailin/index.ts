/**
 * Mail into Artel: the inbound SMTP server (server.ts), Artel's mailboxes (route.ts), who may mail them
 * (checks.ts), what a mail becomes (deliver.ts), flood limits (limits.ts) and SMTP replies (replies.ts).
 * docs/api.md, "Mail into Artel", describes the behaviour for users and operators.
 */
export { startMailIn, type MailIn } from './server';
export { MAILIN_LIMITS, type MailInLimits } from './limits';
export { routeAddress, postAddress, type Mailbox } from './route';
export { clientIdOf, defuseMentions } from './deliver';
