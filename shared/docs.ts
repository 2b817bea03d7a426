import { z } from 'zod';

/** Limits of the knowledge base's HTTP API. */
export const DOC_LIMITS = {
  spaceNameMax: 100,
  pageTitleMax: 200,
  /** Pages one space may hold (deleted ones included until they are purged). */
  pagesPerSpaceMax: 5000,
  versionNameMax: 120,
  /** Automatic versions kept per page (named ones are kept until deleted with the page). */
  autoVersionsKept: 50,
  /** At most one automatic version per page in this many minutes. */
  autoVersionMinutes: 10,
} as const;

/** A knowledge-base space: the company's (groupId null) or a workgroup's. */
export interface DocSpace {
  id: string;
  name: string;
  groupId: string | null;
  createdBy: string;
  createdAt: string;
  /** Whether the viewer may create, edit, move and delete pages here. */
  canEdit: boolean;
  /** Whether the viewer may rename the space. */
  canManage: boolean;
}

/** A page of a space's tree; its content is the Yjs document of the same id, served at /yjs/<id>. */
export interface DocPage {
  id: string;
  spaceId: string;
  parentId: string | null;
  /** Order among siblings (ascending). */
  position: number;
  title: string;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
  /** Set on deleted pages (listed only with ?deleted=true, until restored). */
  deletedAt: string | null;
}

const uuid = z.string().uuid();
const spaceName = z.string().trim().min(1).max(DOC_LIMITS.spaceNameMax);
const pageTitle = z.string().trim().max(DOC_LIMITS.pageTitleMax);
const index = z.number().int().min(0).max(DOC_LIMITS.pagesPerSpaceMax);

/** POST /api/docs/spaces: a company space (no groupId; owner and admins) or a workgroup's (its owner and moderators). */
export const CreateSpaceBody = z.object({ name: spaceName, groupId: uuid.nullable().default(null) }).strict();

/** PATCH /api/docs/spaces/:id */
export const RenameSpaceBody = z.object({ name: spaceName }).strict();

/** POST /api/docs/spaces/:id/pages: a page under `parentId` (null: at the top), at `index` among its siblings (default: last). */
export const CreatePageBody = z
  .object({ title: pageTitle.default(''), parentId: uuid.nullable().default(null), index: index.optional() })
  .strict();

/** PATCH /api/docs/pages/:id */
export const RenamePageBody = z.object({ title: pageTitle }).strict();

/** POST /api/docs/pages/:id/move: under `parentId` (null: top level) at `index` among the new siblings (default: last). */
export const MovePageBody = z.object({ parentId: uuid.nullable(), index: index.optional() }).strict();

/** The stream of a space's page tree: `pages_changed` events, for readers of the space. */
export const docSpaceStream = (spaceId: string) => `docspace:${spaceId}`;

/** The payload of `pages_changed`: which pages of the tree changed, and how (the client refetches the tree). */
export interface DocTreeChange {
  spaceId: string;
  kind: 'created' | 'renamed' | 'moved' | 'deleted' | 'restored';
  pageIds: string[];
}

/** A saved state of a page: named by someone, or automatic (`name` null). */
export interface DocVersion {
  id: string;
  pageId: string;
  name: string | null;
  /** Why an automatic version was taken: while editing, or just before a restore. */
  reason: 'named' | 'auto' | 'before_restore';
  bytes: number;
  createdBy: string | null;
  createdAt: string;
}

/** POST /api/docs/pages/:id/versions: save the page as it is now, under a name. */
export const CreateVersionBody = z.object({ name: z.string().trim().min(1).max(DOC_LIMITS.versionNameMax) }).strict();

/** Message types of the y-websocket protocol at /yjs/<doc> (lib0 var-uint first, then the body). */
export const YJS_MESSAGE = {
  /** y-protocols/sync: SyncStep1, SyncStep2, Update. */
  sync: 0,
  /** y-protocols/awareness update. */
  awareness: 1,
  /** y-protocols/auth: the server's refusals ("permission denied: read-only", limits). */
  auth: 2,
  /** A client asks for every awareness state. */
  queryAwareness: 3,
} as const;

// ---- Attachments: a page attached to a chat, a task or a deal (docs/api.md, "Attachments") ----------

export const DOC_TARGET_KINDS = ['chat', 'task', 'deal'] as const;
export type DocTargetKind = (typeof DOC_TARGET_KINDS)[number];

/** POST /api/docs/pages/:id/attachments: attach the page to a chat (posts its card there), a task or a deal. */
export const AttachDocBody = z.object({ kind: z.enum(DOC_TARGET_KINDS), targetId: uuid }).strict();

/** POST /api/calls/:id/notes: the call's meeting notes; `title` is the page's title if it is made now (the browser's language). */
export const MeetingNotesBody = z.object({ title: pageTitle.optional() }).strict();

/** Where a page is attached, as its reader may see it (targets they may not see are left out). */
export interface DocAttachment {
  id: string;
  pageId: string;
  kind: DocTargetKind;
  targetId: string;
  /** The chat's, task's or deal's title ('' for a direct chat: the browser names it after the other person). */
  title: string;
  /** Where the target opens in the app. */
  url: string;
  createdBy: string;
  createdAt: string;
  /** Whether the viewer may detach it: the page's editors and whoever attached it. */
  canDetach: boolean;
}

/** A page attached to a task or a deal, as GET /api/tasks/:id/docs and /api/crm/deals/:id/docs list them. */
export interface AttachedDoc {
  linkId: string;
  page: DocPage;
  createdBy: string;
  createdAt: string;
  canDetach: boolean;
}

// --- Guest links to a page (docs/api.md, "Document guest links") ---

/** How long a page's guest link works unless its creator says otherwise, and at most. */
export const DOC_LINK_DAYS = { default: 14, max: 90 } as const;

/** POST /api/docs/pages/:id/guest-links: a link to read or to edit the page, for someone (mailed when `email` is given). */
export const CreateDocLinkBody = z
  .object({
    access: z.enum(['read', 'edit']),
    /** Who the link is for (shown in the list of links until their guest gives a name). */
    name: z.string().trim().min(1).max(100).optional(),
    email: z.string().trim().toLowerCase().max(254).email().optional(),
    days: z.number().int().min(1).max(DOC_LINK_DAYS.max).optional(),
  })
  .strict();

/** A page's guest link as its editors see it (the address only once, in the answer to its creation). */
export interface DocLinkInfo {
  id: string;
  pageId: string;
  access: 'read' | 'edit';
  name: string | null;
  email: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastSeenAt: string | null;
  /** `PUBLIC_URL/d/<token>`: only in the answer to its creation. */
  url?: string;
}

/** POST /api/doc-guest/session: open a page link (the token from `PUBLIC_URL/d/<token>`) under the guest's name. */
export const OpenDocLinkBody = z
  .object({
    token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'Not a link token'),
    name: z.string().trim().min(1).max(100),
  })
  .strict();

/** GET /api/doc-guest/me: who a page's guest is, the page their link opens and what they may do with it. */
export interface DocGuestMe {
  /** The guest's own id (their user id, as the page's history records their edits). */
  id: string;
  name: string;
  pageId: string;
  title: string;
  access: 'read' | 'edit';
  expiresAt: string;
  workspace: string;
}

// ---- Comments on a selection and @mentions (docs/api.md, "Page comments") ----

/** Limits of page comments. */
export const DOC_COMMENT_LIMITS = {
  bodyMax: 4000,
  quoteMax: 500,
  /** An encoded Yjs relative position is a few dozen bytes; base64 of more than this is not one. */
  anchorMax: 400,
  /** Comments (replies included) one page may hold. */
  perPageMax: 2000,
} as const;

/** A comment on a page: a thread's first comment (with its anchor) or a reply (`parentId`, no anchor). */
export interface DocComment {
  id: string;
  pageId: string;
  parentId: string | null;
  /** The selection: two Yjs relative positions (Y.encodeRelativePosition), base64; null on replies. */
  anchor: { start: string; end: string } | null;
  /** The text selected when the thread began. */
  quote: string;
  /** Markdown (the chat's subset; `<@userId>` mentions); empty once deleted. */
  body: string;
  authorId: string | null;
  createdAt: string;
  editedAt: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  deletedAt: string | null;
}

const base64 = z.string().min(4).max(DOC_COMMENT_LIMITS.anchorMax).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64');
const commentBody = z.string().trim().min(1).max(DOC_COMMENT_LIMITS.bodyMax);

/** POST /api/docs/pages/:id/comments: a new thread on a selection (`anchor`, `quote`) or a reply (`parentId`). */
export const CreateDocCommentBody = z
  .object({
    body: commentBody,
    anchor: z.object({ start: base64, end: base64 }).strict().optional(),
    quote: z.string().max(DOC_COMMENT_LIMITS.quoteMax).default(''),
    parentId: uuid.optional(),
  })
  .strict()
  .refine((b) => (b.anchor === undefined) !== (b.parentId === undefined), {
    message: 'A comment has either an anchor (a new thread) or a parentId (a reply)',
    path: ['anchor'],
  });

/** PATCH /api/docs/pages/:id/comments/:commentId (its author). */
export const EditDocCommentBody = z.object({ body: commentBody }).strict();

/** The stream of a page's comments: `comment_added` and `comment_changed` {comment}, for readers of the page. */
export const docCommentsStream = (pageId: string) => `doccomments:${pageId}`;

/** The payload of the comment stream's events. */
export interface DocCommentEvent {
  comment: DocComment;
}

/** Event `doc_mention` of `user:<id>`: someone mentioned the user in a page's comment (commentId) or text (null). */
export interface DocMentionPayload {
  pageId: string;
  title: string;
  commentId: string | null;
  authorId: string | null;
  excerpt: string;
}
