/** Workspace-wide roles, from most to least powerful. */
export const ROLES = ['owner', 'admin', 'employee', 'guest'] as const;
/** A workspace-wide role. */
export type Role = (typeof ROLES)[number];

/** Interface languages. */
export const LOCALES = ['en', 'ru'] as const;
/** An interface language. */
export type Locale = (typeof LOCALES)[number];

/** A person as every colleague sees them in the directory. */
export interface PublicUser {
  id: string;
  name: string;
  email: string;
  role: Role;
  position: string;
  department: string;
  /** URL of the avatar image, or null when none was uploaded. */
  avatarUrl: string | null;
  active: boolean;
}

/** The signed-in user, with their own settings. */
export interface Me extends PublicUser {
  locale: Locale;
}

/** The one workspace this installation serves. */
export interface Workspace {
  name: string;
}

/** An invitation as an admin sees it in the list. */
export interface InvitationSummary {
  id: string;
  email: string;
  role: Role;
  invitedBy: string;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
}

/** A mail in the outbox, as the admin page shows it. */
export interface OutboxMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  /** 'outbox' when no relay is configured, otherwise the relay's outcome. */
  status: 'outbox' | 'sent' | 'failed';
  error: string | null;
  createdAt: string;
}

/** What happened, inside a stream event. */
export interface EventBody {
  /** Past-tense name, e.g. `user_updated`. */
  type: string;
  payload: unknown;
  actorId: string | null;
  at: string;
}

/** A stored event of a stream at its seq, as delivered to clients. */
export interface StreamEvent {
  stream: string;
  seq: number;
  event: EventBody;
}

/** The stream every employee follows: people joining, profiles changing, roles, deactivations. */
export const DIRECTORY_STREAM = 'directory';

/** Events of the directory stream. */
export type DirectoryEvent =
  | { type: 'user_joined'; payload: { user: PublicUser } }
  | { type: 'user_updated'; payload: { user: PublicUser } }
  | { type: 'user_deactivated'; payload: { userId: string } };

/**
 * Presence of a person across every hub node: online while at least one socket of theirs is active,
 * away while every open socket reports its page idle, offline when none is open.
 */
export type PresenceStatus = 'online' | 'away' | 'offline';

/** Minutes without input (or with the page hidden) after which a browser reports itself idle. */
export const IDLE_AFTER_MINUTES = 5;
