import { z } from 'zod';
import { LOCALES, ROLES } from './types';

/** Limits shared by the client forms and the server. */
export const LIMITS = {
  passwordMin: 10,
  passwordMax: 256,
  nameMax: 100,
  textMax: 200,
  avatarBytes: 1024 * 1024,
  jsonBodyBytes: 64 * 1024,
} as const;

const email = z.string().trim().toLowerCase().max(254).email();
const password = z.string().min(LIMITS.passwordMin).max(LIMITS.passwordMax);
const name = z.string().trim().min(1).max(LIMITS.nameMax);
const locale = z.enum(LOCALES);
const token = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'malformed token');

/** POST /api/auth/register: the first account, which owns the workspace. */
export const RegisterBody = z
  .object({ workspaceName: name, name, email, password, locale: locale.optional() })
  .strict();

/** POST /api/auth/login */
export const LoginBody = z.object({ email, password: z.string().min(1).max(LIMITS.passwordMax) }).strict();

/** POST /api/invitations */
export const InviteBody = z.object({ email, role: z.enum(['admin', 'employee']).default('employee') }).strict();

/** POST /api/invitations/accept */
export const AcceptInvitationBody = z
  .object({ token, name, password, locale: locale.optional() })
  .strict();

/** Invitation token in a path: 256 bits, base64url. */
export const InvitationToken = token;

/** PATCH /api/me */
export const UpdateProfileBody = z
  .object({
    name: name.optional(),
    position: z.string().trim().max(LIMITS.textMax).optional(),
    department: z.string().trim().max(LIMITS.textMax).optional(),
    locale: locale.optional(),
  })
  .strict();

/** PATCH /api/admin/users/:id */
export const ChangeRoleBody = z.object({ role: z.enum(ROLES).exclude(['owner', 'guest']) }).strict();

/** Path parameter that names a user, invitation or mail. */
export const Uuid = z.string().uuid();

/** GET /api/setup */
export interface SetupState {
  /** True until the first account exists. */
  needsSetup: boolean;
  workspaceName: string | null;
}

/** GET /api/invitations/:token */
export interface InvitationPreview {
  email: string;
  workspaceName: string;
  invitedBy: string;
  expiresAt: string;
}
