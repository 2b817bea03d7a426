/**
 * The window of an endless feed: a list holds at most MAX_POSTS posts, yet the reader may scroll on to
 * the very first post and back. The list remembers the pages it loaded (the cursor each was fetched with
 * and the key of its oldest post); when it grows past the limit, whole pages are dropped from the far end
 * and their cursors kept, so scrolling back fetches them again by the same cursor.
 *
 * The server pages only toward older posts, so a page above the window is fetched by the cursor it was
 * loaded with the first time. Posts that became visible in between (a group joined) can make that page
 * stop short of the window: `reachesWindow` tells, and the caller fetches on until it does. (Posts that
 * appear inside the range the window holds are not looked for, as before there was a window.)
 *
 * Pure: the posts are any items with the server's sort key, so this is tested without a browser.
 */
import { comparePosts } from './model';

/** At most this many posts are kept in one list; pages beyond it are dropped and fetched again. */
export const MAX_POSTS = 300;

/** What orders posts: creation time, then id (newest first). */
export interface PostKey {
  createdAt: string;
  id: string;
}

/** A loaded page: the cursor it was fetched with (null: the newest page) and the key of its oldest post. */
export interface PageMark {
  cursor: string | null;
  /** Null for a page that came back empty (only ever the last page of a list). */
  last: PostKey | null;
}

export interface Paging {
  /** The pages the list holds, newest first. */
  pages: PageMark[];
  /** Cursors of the pages dropped above the window, the nearest last (fetched first when scrolling up). */
  above: (string | null)[];
  /** The cursor of the next older page; null when the window reaches the oldest post. */
  below: string | null;
}

/** A page as the server sent it. */
export interface FetchedPage<P extends PostKey> {
  cursor: string | null;
  posts: P[];
  nextCursor: string | null;
}

const keyOf = (p: PostKey | undefined): PostKey | null => (p ? { createdAt: p.createdAt, id: p.id } : null);

/** The window holds the newest posts (nothing was dropped above it): new posts join at its top. */
export function atTop(paging: Paging): boolean {
  return paging.above.length === 0;
}

/** A list that starts from the newest page. */
export function firstPage<P extends PostKey>(page: Omit<FetchedPage<P>, 'cursor'>): Paging {
  return { pages: [{ cursor: null, last: keyOf(page.posts[page.posts.length - 1]) }], above: [], below: page.nextCursor };
}

/** An older page joined the bottom of the window. */
export function olderLoaded<P extends PostKey>(paging: Paging, page: FetchedPage<P>): Paging {
  return { ...paging, pages: [...paging.pages, { cursor: page.cursor, last: keyOf(page.posts[page.posts.length - 1]) }], below: page.nextCursor };
}

/**
 * Does a page fetched above the window reach it? It does when its next cursor is the one the window's
 * first page was fetched with (nothing changed in between), when it is the last page, or when it already
 * holds a post that is not newer than the window's newest (posts were deleted: the pages overlap).
 */
export function reachesWindow<P extends PostKey>(paging: Paging, page: FetchedPage<P>, windowPosts: readonly PostKey[]): boolean {
  const first = paging.pages[0];
  if (!first || page.nextCursor === null || page.nextCursor === first.cursor || !page.posts.length) return true;
  const newest = windowPosts[0] ?? first.last;
  if (!newest) return true;
  return comparePosts(page.posts[page.posts.length - 1], newest) >= 0;
}

/**
 * Pages fetched above the window (newest first) joined its top: the first was fetched with the nearest
 * cursor of `above`, which is used up; the others continued from it until the window was reached.
 */
export function newerLoaded<P extends PostKey>(paging: Paging, pages: FetchedPage<P>[]): Paging {
  const marks = pages.filter((p) => p.posts.length).map((p) => ({ cursor: p.cursor, last: keyOf(p.posts[p.posts.length - 1]) }));
  return { ...paging, pages: [...marks, ...paging.pages], above: paging.above.slice(0, -1) };
}

/** Posts belong to the page whose range holds them: newer than the page before's oldest, up to its own. */
const newerThan = (p: PostKey, key: PostKey) => comparePosts(p, key) < 0;

/**
 * Drop whole pages from the top until at most `max` posts are left (the reader scrolled far down). Their
 * cursors go to `above`; the last page always stays.
 */
export function trimTop<P extends PostKey>(posts: P[], paging: Paging, max = MAX_POSTS): { posts: P[]; paging: Paging } {
  let pages = paging.pages;
  const above = [...paging.above];
  while (posts.length > max && pages.length > 1) {
    const [dropped, ...rest] = pages;
    if (dropped.last) {
      const last = dropped.last;
      posts = posts.filter((p) => newerThan(last, p));
    }
    above.push(dropped.cursor);
    pages = rest;
  }
  return pages === paging.pages ? { posts, paging } : { posts, paging: { ...paging, pages, above } };
}

/**
 * Drop whole pages from the bottom until at most `max` posts are left (the reader scrolled far back up).
 * The first page dropped is the next older page to fetch; the first page always stays.
 */
export function trimBottom<P extends PostKey>(posts: P[], paging: Paging, max = MAX_POSTS): { posts: P[]; paging: Paging } {
  let pages = paging.pages;
  let below = paging.below;
  while (posts.length > max && pages.length > 1) {
    const dropped = pages[pages.length - 1];
    pages = pages.slice(0, -1);
    const keep = pages[pages.length - 1].last;
    if (keep) posts = posts.filter((p) => !newerThan(keep, p));
    below = dropped.cursor;
  }
  return pages === paging.pages ? { posts, paging } : { posts, paging: { ...paging, pages, below } };
}
