/** How a message body names a person: `<@user-id>`; the client shows it as @Name. */
export const MENTION_PATTERN = /<@([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})>/g;
/** `@all` (or Russian `@все`) as a word of its own notifies every member. */
const ALL_PATTERN = /(^|[\s(])@(all|все)(?=$|[\s.,!?:;)])/iu;

/** The people a body mentions (unique, in order) and whether it mentions everyone. */
export function parseMentions(body: string): { userIds: string[]; all: boolean } {
  const userIds = [...new Set([...body.matchAll(MENTION_PATTERN)].map((m) => m[1]))];
  return { userIds, all: ALL_PATTERN.test(body) };
}
