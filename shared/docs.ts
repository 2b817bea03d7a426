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
