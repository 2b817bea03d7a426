import { describe, expect, it } from 'vitest';
import { comparePosts } from '../../web/src/lib/feed/model';
import {
  atTop,
  firstPage,
  MAX_POSTS,
  newerLoaded,
  olderLoaded,
  reachesWindow,
  trimBottom,
  trimTop,
  type FetchedPage,
  type Paging,
  type PostKey,
} from '../../web/src/lib/feed/window';

const PAGE = 20;
const at = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();
const post = (n: number): PostKey => ({ id: `p${String(n).padStart(5, '0')}`, createdAt: at(n) });

/** A feed server in miniature: keyset pages, newest first, with opaque cursors naming the last post. */
class Server {
  posts: PostKey[];
  constructor(count: number) {
    this.posts = Array.from({ length: count }, (_, i) => post(i)).sort(comparePosts);
  }
  page(cursor: string | null): FetchedPage<PostKey> {
    let from = 0;
    if (cursor) {
      const key = JSON.parse(cursor) as PostKey;
      from = this.posts.findIndex((p) => comparePosts(p, key) > 0);
      if (from < 0) from = this.posts.length;
    }
    const rows = this.posts.slice(from, from + PAGE + 1);
    const page = rows.slice(0, PAGE);
    const last = page[page.length - 1];
    return { cursor, posts: page, nextCursor: rows.length > PAGE ? JSON.stringify(last) : null };
  }
}

/** The client's list: posts newest first, kept once by id, and its paging. */
interface List {
  posts: PostKey[];
  paging: Paging;
}

const merge = (list: PostKey[], more: PostKey[]) => {
  const byId = new Map(list.map((p) => [p.id, p]));
  for (const p of more) byId.set(p.id, p);
  return [...byId.values()].sort(comparePosts);
};

function open(server: Server): List {
  const page = server.page(null);
  return { posts: page.posts, paging: firstPage(page) };
}

function scrollDown(server: Server, list: List, max = MAX_POSTS): List {
  const cursor = list.paging.below;
  if (!cursor) return list;
  const page = server.page(cursor);
  return trimTop(merge(list.posts, page.posts), olderLoaded(list.paging, page), max);
}

function scrollUp(server: Server, list: List, max = MAX_POSTS): List {
  if (atTop(list.paging)) return list;
  const fetched: FetchedPage<PostKey>[] = [];
  let cursor = list.paging.above[list.paging.above.length - 1];
  for (let i = 0; i < 10; i++) {
    const page = server.page(cursor);
    fetched.push(page);
    if (reachesWindow(list.paging, page, list.posts)) break;
    cursor = page.nextCursor;
  }
  let posts = list.posts;
  for (const p of fetched) posts = merge(posts, p.posts);
  return trimBottom(posts, newerLoaded(list.paging, fetched), max);
}

/** The list is one unbroken run of the server's posts. */
function contiguous(server: Server, list: List): void {
  const ids = server.posts.map((p) => p.id);
  const from = ids.indexOf(list.posts[0].id);
  expect(list.posts.map((p) => p.id)).toEqual(ids.slice(from, from + list.posts.length));
}

describe('the endless feed window', () => {
  it('scrolls through 700 posts to the first and back, never holding more than the limit', () => {
    const server = new Server(700);
    let list = open(server);
    const seen = new Set(list.posts.map((p) => p.id));
    while (list.paging.below) {
      list = scrollDown(server, list);
      expect(list.posts.length).toBeLessThanOrEqual(MAX_POSTS);
      contiguous(server, list);
      for (const p of list.posts) seen.add(p.id);
    }
    expect(seen.size).toBe(700);
    expect(list.posts[list.posts.length - 1]).toEqual(server.posts[699]);
    expect(atTop(list.paging)).toBe(false);

    while (!atTop(list.paging)) {
      list = scrollUp(server, list);
      expect(list.posts.length).toBeLessThanOrEqual(MAX_POSTS);
      contiguous(server, list);
    }
    expect(list.posts[0]).toEqual(server.posts[0]);
    // Down again: the pages dropped at the bottom come back by their cursors.
    list = scrollDown(server, list);
    contiguous(server, list);
  });

  it('keeps the whole feed while it fits', () => {
    const server = new Server(90);
    let list = open(server);
    while (list.paging.below) list = scrollDown(server, list);
    expect(list.posts).toHaveLength(90);
    expect(atTop(list.paging)).toBe(true);
  });

  it('drops whole pages from the top and remembers their cursors', () => {
    const server = new Server(200);
    let list = open(server);
    for (let i = 0; i < 4; i++) list = scrollDown(server, list, 60);
    // 5 pages were loaded; two went to keep at most 60.
    expect(list.posts).toHaveLength(60);
    expect(list.paging.above).toHaveLength(2);
    expect(list.paging.above[0]).toBeNull();
    expect(list.posts[0]).toEqual(server.posts[40]);
  });

  it('closes a gap when posts appeared above the window meanwhile', () => {
    const server = new Server(200);
    let list = open(server);
    for (let i = 0; i < 5; i++) list = scrollDown(server, list, 60);
    // Thirty posts become visible inside the page dropped just above the window (a group joined): that
    // page, fetched by its cursor again, now stops short of the window.
    const inside = server.posts[server.posts.findIndex((p) => p.id === list.posts[0].id) - 6];
    const between = Array.from({ length: 30 }, (_, i) => ({ id: `q${i}`, createdAt: new Date(Date.parse(inside.createdAt) - 1000 - i).toISOString() }));
    server.posts = merge(server.posts, between);
    const page = server.page(list.paging.above[list.paging.above.length - 1]);
    expect(reachesWindow(list.paging, page, list.posts)).toBe(false);
    list = scrollUp(server, list, 1000);
    contiguous(server, list);
    expect(list.posts.some((p) => p.id === 'q0')).toBe(true);
  });

  it('overlaps instead of leaving a hole when posts above were deleted', () => {
    const server = new Server(200);
    let list = open(server);
    for (let i = 0; i < 5; i++) list = scrollDown(server, list, 60);
    const firstIndex = server.posts.findIndex((p) => p.id === list.posts[0].id);
    server.posts = server.posts.filter((_, i) => i < firstIndex - 25 || i >= firstIndex);
    const page = server.page(list.paging.above[list.paging.above.length - 1]);
    expect(reachesWindow(list.paging, page, list.posts)).toBe(true);
    list = scrollUp(server, list, 1000);
    contiguous(server, list);
  });

  it('says the window is reached when nothing changed', () => {
    const server = new Server(100);
    let list = open(server);
    for (let i = 0; i < 3; i++) list = scrollDown(server, list, 40);
    const page = server.page(list.paging.above[list.paging.above.length - 1]);
    expect(page.nextCursor).toBe(list.paging.pages[0].cursor);
    expect(reachesWindow(list.paging, page, list.posts)).toBe(true);
  });

  it('trims the bottom when live posts grow a window at the top', () => {
    const server = new Server(100);
    let list = open(server);
    for (let i = 0; i < 2; i++) list = scrollDown(server, list);
    const fresh = Array.from({ length: 10 }, (_, i) => post(1000 + i));
    const grown = merge(list.posts, fresh);
    const kept = trimBottom(grown, list.paging, 60);
    expect(kept.posts.length).toBeLessThanOrEqual(60);
    expect(kept.posts[0]).toEqual(post(1009));
    expect(kept.paging.below).toBe(list.paging.pages[2].cursor);
  });

  it('never drops the only page', () => {
    const server = new Server(30);
    const list = open(server);
    expect(trimTop(list.posts, list.paging, 5).posts).toHaveLength(20);
    expect(trimBottom(list.posts, list.paging, 5).posts).toHaveLength(20);
  });
});
