import { z } from 'zod';
import { LIMITS } from './api';
import type { FileRef, Reaction } from './messenger';

export type { Reaction };

/** Limits of the live feed and of workgroups, shared by the client forms and the server. */
export const FEED_LIMITS = {
  titleMax: 200,
  /** Longest post body (Markdown), in characters. */
  bodyMax: 20_000,
  /** Longest comment (Markdown), in characters. */
  commentMax: 5_000,
  /** Most entries of one kind in a post's audience. */
  audienceDepartmentsMax: 50,
  audienceGroupsMax: 50,
  audienceUsersMax: 500,
  audienceEmailsMax: 50,
  pollQuestionMax: 300,
  pollOptionMax: 200,
  pollOptionsMin: 2,
  pollOptionsMax: 10,
  groupNameMax: LIMITS.nameMax,
  groupDescriptionMax: 2_000,
  groupMembersMax: 500,
  /** Most posts one feed page returns. */
  pageMax: 50,
  /** Most comments one comments page returns. */
  commentsPageMax: 200,
  /** How many latest comments a feed item carries. */
  lastComments: 3,
  /** Most important unread posts pinned above the first page. */
  pinnedMax: 20,
  /** Most files on one post or comment. */
  attachmentsMax: 10,
  /** Length of the excerpt in a mention notification. */
  excerptChars: 140,
} as const;

// ---- Streams ----------------------------------------------------------------------------------------

/** A post with its comments, edits, reactions, poll votes and reads. */
export const postStream = (postId: string) => `post:${postId}`;
/** New posts every active employee may see (audience `everyone`, or an open workgroup). */
export const FEED_ALL_STREAM = 'feed:all';
/** New posts addressed to a workgroup, and the group's own changes (members, settings). */
export const groupFeedStream = (groupId: string) => `feed:group:${groupId}`;
/**
 * New posts addressed to a department. The key is the MD5 (hex) of the lowercased, trimmed department
 * name, computed by the server (stream names allow only [A-Za-z0-9_-]); clients learn it from
 * GET /api/feed/streams.
 */
export const departmentFeedStream = (key: string) => `feed:dept:${key}`;
/** New posts addressed to one person (selected or @mentioned). */
export const personalFeedStream = (userId: string) => `feed:user:${userId}`;

// ---- Workgroups -------------------------------------------------------------------------------------

export const GROUP_KINDS = ['group', 'project'] as const;
export const GROUP_VISIBILITIES = ['open', 'closed'] as const;
export type GroupKind = (typeof GROUP_KINDS)[number];
/** Open: every employee sees it, its posts and may join; closed: members only, by invitation. */
export type GroupVisibility = (typeof GROUP_VISIBILITIES)[number];
/** A member's role inside one workgroup. */
export type GroupRole = 'owner' | 'moderator' | 'member';

/** A workgroup or project as one user sees it. */
export interface WorkGroup {
  id: string;
  name: string;
  description: string;
  kind: GroupKind;
  visibility: GroupVisibility;
  createdBy: string;
  createdAt: string;
  /** Archived groups are read-only: no new posts, members or settings. */
  archivedAt: string | null;
  memberCount: number;
  /** The viewer's role, null when not a member (an open group seen from outside). */
  myRole: GroupRole | null;
}

export interface GroupMember {
  userId: string;
  role: GroupRole;
  joinedAt: string;
}

const uuid = z.string().uuid();
const groupName = z.string().trim().min(1).max(FEED_LIMITS.groupNameMax);
const groupDescription = z.string().trim().max(FEED_LIMITS.groupDescriptionMax);

/** POST /api/groups */
export const CreateGroupBody = z
  .object({
    name: groupName,
    description: groupDescription.default(''),
    kind: z.enum(GROUP_KINDS).default('group'),
    visibility: z.enum(GROUP_VISIBILITIES).default('open'),
    memberIds: z.array(uuid).max(FEED_LIMITS.groupMembersMax).default([]),
  })
  .strict();

/** PATCH /api/groups/:id */
export const UpdateGroupBody = z
  .object({
    name: groupName.optional(),
    description: groupDescription.optional(),
    kind: z.enum(GROUP_KINDS).optional(),
    visibility: z.enum(GROUP_VISIBILITIES).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'Nothing to change', path: ['_'] });

/** POST /api/groups/:id/members */
export const AddGroupMembersBody = z
  .object({ userIds: z.array(uuid).min(1).max(FEED_LIMITS.groupMembersMax), role: z.enum(['moderator', 'member']).default('member') })
  .strict();

/** PATCH /api/groups/:id/members/:userId */
export const GroupMemberRoleBody = z.object({ role: z.enum(['moderator', 'member']) }).strict();

// ---- Posts ------------------------------------------------------------------------------------------

/** Who a post is for. At least one entry; everything else about visibility is in docs/api.md. */
export const AudienceInput = z
  .object({
    everyone: z.boolean().default(false),
    /** Department names as in profiles; matched case-insensitively, trimmed. */
    departments: z.array(z.string().trim().min(1).max(LIMITS.textMax)).max(FEED_LIMITS.audienceDepartmentsMax).default([]),
    groupIds: z.array(uuid).max(FEED_LIMITS.audienceGroupsMax).default([]),
    userIds: z.array(uuid).max(FEED_LIMITS.audienceUsersMax).default([]),
    /** External people (no account): recorded for the guest mailing. */
    emails: z.array(z.string().trim().toLowerCase().max(254).email()).max(FEED_LIMITS.audienceEmailsMax).default([]),
  })
  .strict()
  .refine((a) => a.everyone || a.departments.length + a.groupIds.length + a.userIds.length + a.emails.length > 0, {
    message: 'A post needs an audience',
    path: ['_'],
  });
export type AudienceInput = z.infer<typeof AudienceInput>;

const postTitle = z.string().trim().max(FEED_LIMITS.titleMax);
const fileIds = z.array(uuid).max(FEED_LIMITS.attachmentsMax).refine((ids) => new Set(ids).size === ids.length, 'Files repeat');
const postBody = z.string().trim().min(1).max(FEED_LIMITS.bodyMax);
const commentBody = z.string().trim().min(1).max(FEED_LIMITS.commentMax);
export const FeedEmoji = z.string().min(1).max(32).regex(/^[^\s<>&"']+$/u, 'not an emoji');

export const PollInput = z
  .object({
    question: z.string().trim().min(1).max(FEED_LIMITS.pollQuestionMax),
    options: z.array(z.string().trim().min(1).max(FEED_LIMITS.pollOptionMax)).min(FEED_LIMITS.pollOptionsMin).max(FEED_LIMITS.pollOptionsMax),
    multiple: z.boolean().default(false),
  })
  .strict()
  .refine((p) => new Set(p.options.map((o) => o.toLowerCase())).size === p.options.length, {
    message: 'Options must differ',
    path: ['options'],
  });

/** POST /api/feed/posts. Idempotent per `clientId`: a retry returns the first result. */
export const CreatePostBody = z
  .object({
    clientId: uuid,
    title: postTitle.optional(),
    body: postBody,
    audience: AudienceInput,
    important: z.boolean().default(false),
    poll: PollInput.optional(),
    /** Files uploaded with POST /api/feed/files. */
    fileIds: fileIds.optional(),
  })
  .strict();
export type CreatePostInput = z.infer<typeof CreatePostBody>;

/** PATCH /api/feed/posts/:id (the author). An empty title removes it. */
export const EditPostBody = z
  .object({ title: postTitle.optional(), body: postBody.optional(), important: z.boolean().optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'Nothing to change', path: ['_'] });
export type EditPostInput = z.infer<typeof EditPostBody>;

/** POST /api/feed/posts/:id/comments. `replyTo` names a comment of the same post. */
export const CreateCommentBody = z.object({ clientId: uuid, body: commentBody, replyTo: uuid.optional(), fileIds: fileIds.optional() }).strict();
export type CreateCommentInput = z.infer<typeof CreateCommentBody>;

/** PATCH /api/feed/comments/:id */
export const EditCommentBody = z.object({ body: commentBody }).strict();

/** POST /api/feed/posts/:id/reactions and /api/feed/comments/:id/reactions: toggle one emoji. */
export const FeedReactionBody = z.object({ emoji: FeedEmoji }).strict();

/** POST /api/feed/posts/:id/poll/vote: the whole choice (replaces an earlier vote). */
export const VoteBody = z
  .object({ optionIds: z.array(uuid).min(1).max(FEED_LIMITS.pollOptionsMax) })
  .strict()
  .refine((v) => new Set(v.optionIds).size === v.optionIds.length, { message: 'Options repeat', path: ['optionIds'] });

export const FEED_FILTERS = ['all', 'mine', 'mentions', 'important'] as const;
/** Which posts a feed page holds (always among those the viewer can see). */
export type FeedFilter = (typeof FEED_FILTERS)[number];

// ---- What clients receive ---------------------------------------------------------------------------

export interface FeedAuthor {
  id: string;
  name: string;
  position: string;
  avatarUrl: string | null;
}

/** Who a post is for, for display. */
export interface AudienceSummary {
  everyone: boolean;
  /** Department names as the author wrote them. */
  departments: string[];
  groups: { id: string; name: string }[];
  /** Selected and @mentioned people. */
  users: { id: string; name: string; mentioned: boolean }[];
  /** External addresses: shown to the author only; others see how many in `externalCount`. */
  emails: string[];
  externalCount: number;
}

export interface FeedComment {
  id: string;
  postId: string;
  /** The seq of the post stream's event that created it: comments are ordered by it. */
  seq: number;
  authorId: string;
  /** Set when an external guest wrote it: their name (guests are not in the directory). */
  guestName: string | null;
  clientId: string;
  body: string;
  /** The top-level comment this one answers, or null. */
  replyTo: string | null;
  mentions: string[];
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  reactions: Reaction[];
  attachments: FileRef[];
}

export interface PollState {
  question: string;
  multiple: boolean;
  options: { id: string; text: string; votes: number }[];
  /** People who voted (one person counts once in a multiple-choice poll). */
  totalVoters: number;
  /** The viewer's choices; always empty in stream events (which all followers share). */
  myChoices: string[];
}

/** A post as one viewer sees it in the feed. Stream events carry it viewer-neutral (my* empty/false). */
export interface FeedPost {
  id: string;
  author: FeedAuthor;
  clientId: string;
  title: string | null;
  /** Markdown; clients render it with shared/markdown.ts. */
  body: string;
  audience: AudienceSummary;
  mentions: string[];
  important: boolean;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  /** The post stream's latest seq when this was read: subscribe to `post:<id>` with `after: head`. */
  head: number;
  commentCount: number;
  /** The latest comments (at most 3, oldest first; deleted ones left out). */
  lastComments: FeedComment[];
  reactions: Reaction[];
  myReactions: string[];
  /** Files attached to the post itself (comments carry their own). */
  attachments: FileRef[];
  poll: PollState | null;
  /** Whether the viewer marked it read (what unpins an important post). */
  read: boolean;
  /** For important posts: readers and audience size (active employees who see it, the author excluded). */
  readCount: number | null;
  audienceCount: number | null;
}

/** GET /api/feed */
export interface FeedPage {
  posts: FeedPost[];
  /** Important posts the viewer has not read, newest first: on the first page of `all` only. */
  pinned: FeedPost[];
  /** Pass as `cursor` for the next (older) page; null at the end. */
  nextCursor: string | null;
}

/** GET /api/feed/mail: the feed's own mail address; mail it to post (colleagues of the workspace only). */
export interface FeedMailAddress {
  /** Artel's mail domain (MAIL_DOMAIN). */
  domain: string;
  /** `feed@<domain>`. */
  feed: string;
}

/** GET /api/feed/posts/:id/mail: the post's own address; mail it to comment (whoever can see the post). */
export interface PostMailAddress {
  /** `post+<post id>@<domain>`. */
  address: string;
}

/** The read state of an important post: "read by N of M". */
export interface ReadState {
  readCount: number;
  audienceCount: number;
}

/** Event of `user:<id>` when someone mentions the user in a post or comment. */
export interface FeedMentionPayload {
  postId: string;
  commentId: string | null;
  authorId: string;
  excerpt: string;
}
