import { Lucia, TimeSpan, type Adapter, type DatabaseSession, type DatabaseUser } from 'lucia';
import { sql, type ConnectionPool } from '../../db/pool';
import { hashToken, newToken } from '../../lib/tokens';
import type { UserRow } from '../people/repo';

/** The name of the session cookie. */
export const SESSION_COOKIE = 'artel_session';

/**
 * lucia's storage, keeping only the SHA-256 of each session token: lucia hands us the token as the
 * session id, and every query hashes it first, so a stolen database yields no usable cookie.
 * A deactivated user has no sessions: their lookups return no user, which makes lucia drop the session.
 */
class HashedSessionAdapter implements Adapter {
  constructor(private readonly db: ConnectionPool) {}

  async getSessionAndUser(token: string): Promise<[DatabaseSession | null, DatabaseUser | null]> {
    const rows = await this.db.query(sql`
      SELECT s.user_id, s.expires_at, u.id, u.email, u.name, u.password_hash, u.role, u.position, u.department,
             u.locale, u.avatar_version, u.avatar IS NOT NULL AS has_avatar, u.active
      FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ${hashToken(token)}`);
    if (!rows.length) return [null, null];
    const r = rows[0];
    const session: DatabaseSession = { id: token, userId: r.user_id, expiresAt: r.expires_at, attributes: {} };
    if (!r.active) return [session, null];
    const { user_id: _u, expires_at: _e, ...attributes } = r;
    return [session, { id: r.id, attributes: attributes as UserRow }];
  }

  async getUserSessions(userId: string): Promise<DatabaseSession[]> {
    const rows = await this.db.query(sql`SELECT id, user_id, expires_at FROM sessions WHERE user_id = ${userId}`);
    return rows.map((r) => ({ id: r.id, userId: r.user_id, expiresAt: r.expires_at, attributes: {} }));
  }

  async setSession(s: DatabaseSession): Promise<void> {
    await this.db.query(sql`INSERT INTO sessions (id, user_id, expires_at) VALUES (${hashToken(s.id)}, ${s.userId}, ${s.expiresAt})`);
  }

  async updateSessionExpiration(token: string, expiresAt: Date): Promise<void> {
    await this.db.query(sql`UPDATE sessions SET expires_at = ${expiresAt} WHERE id = ${hashToken(token)}`);
  }

  async deleteSession(token: string): Promise<void> {
    await this.db.query(sql`DELETE FROM sessions WHERE id = ${hashToken(token)}`);
  }

  async deleteUserSessions(userId: string): Promise<void> {
    await this.db.query(sql`DELETE FROM sessions WHERE user_id = ${userId}`);
  }

  async deleteExpiredSessions(): Promise<void> {
    await this.db.query(sql`DELETE FROM sessions WHERE expires_at <= now()`);
  }
}

/** Build the session manager: sliding expiry of `days`, cookie httpOnly + SameSite=Lax (+ Secure over https). */
export function createSessions(db: ConnectionPool, days: number, secure: boolean) {
  const lucia = new Lucia(new HashedSessionAdapter(db), {
    sessionExpiresIn: new TimeSpan(days, 'd'),
    sessionCookie: { name: SESSION_COOKIE, expires: true, attributes: { secure, sameSite: 'lax', path: '/' } },
    getUserAttributes: (row) => row,
  });
  return {
    lucia,
    /** Open a session for a user; returns the Set-Cookie value. */
    async open(userId: string): Promise<{ token: string; cookie: string }> {
      const session = await lucia.createSession(userId, {}, { sessionId: newToken() });
      return { token: session.id, cookie: lucia.createSessionCookie(session.id).serialize() };
    },
    /** The session and user behind a Cookie header; `cookie` is set when the expiry slid and must be re-sent. */
    async fromCookieHeader(header: string | undefined) {
      const token = header ? lucia.readSessionCookie(header) : null;
      if (!token) return null;
      const { session, user } = await lucia.validateSession(token);
      if (!session || !user) return null;
      return { token, user: user as unknown as UserRow, cookie: session.fresh ? lucia.createSessionCookie(token).serialize() : null };
    },
    close: (token: string) => lucia.invalidateSession(token),
    closeAllOf: (userId: string) => lucia.invalidateUserSessions(userId),
    blankCookie: () => lucia.createBlankSessionCookie().serialize(),
  };
}

/** The session manager's interface. */
export type Sessions = ReturnType<typeof createSessions>;

declare module 'lucia' {
  interface Register {
    Lucia: Lucia<Record<never, never>, UserRow>;
    DatabaseUserAttributes: UserRow;
    UserId: string;
  }
}
