/**
 * Pure logic of the knowledge base's client: the page tree built from the flat list the hub sends,
 * where a page may be moved to (never under itself or its descendants), what "up", "down", "indent" and
 * "outdent" mean as a move body, and a stable colour for each co-editor's cursor.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import type { DocPage } from '../../../../shared/docs';

/** A page with its children, in order. */
export interface TreeNode {
  page: DocPage;
  children: TreeNode[];
  depth: number;
}

/**
 * The tree of a space's live pages. The hub sends them depth-first, but this does not rely on it:
 * siblings are sorted by position (then title, for equal positions), and a page whose parent is not in
 * the list is shown at the top level rather than lost.
 */
export function buildTree(pages: readonly DocPage[]): TreeNode[] {
  const nodes = new Map<string, TreeNode>();
  for (const page of pages) nodes.set(page.id, { page, children: [], depth: 0 });
  const roots: TreeNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.page.parentId ? nodes.get(node.page.parentId) : undefined;
    if (parent && !isAncestor(nodes, node.page.id, parent.page.id)) parent.children.push(node);
    else roots.push(node);
  }
  const order = (list: TreeNode[], depth: number) => {
    list.sort((a, b) => a.page.position - b.page.position || a.page.title.localeCompare(b.page.title));
    for (const n of list) {
      n.depth = depth;
      order(n.children, depth + 1);
    }
  };
  order(roots, 0);
  return roots;
}

/** Whether `id` is `of` or above it (guards against a cycle in inconsistent data). */
function isAncestor(nodes: Map<string, TreeNode>, id: string, of: string): boolean {
  const seen = new Set<string>();
  for (let cur: string | null = of; cur && !seen.has(cur); cur = nodes.get(cur)?.page.parentId ?? null) {
    if (cur === id) return true;
    seen.add(cur);
  }
  return false;
}

/** The nodes in display order (depth-first), optionally skipping the children of collapsed pages. */
export function flatten(tree: readonly TreeNode[], collapsed: ReadonlySet<string> = new Set()): TreeNode[] {
  const out: TreeNode[] = [];
  const walk = (list: readonly TreeNode[]) => {
    for (const n of list) {
      out.push(n);
      if (!collapsed.has(n.page.id)) walk(n.children);
    }
  };
  walk(tree);
  return out;
}

/** Find a node by page id. */
export function findNode(tree: readonly TreeNode[], id: string): TreeNode | null {
  for (const n of tree) {
    if (n.page.id === id) return n;
    const inner = findNode(n.children, id);
    if (inner) return inner;
  }
  return null;
}

/** The ids of a page and everything below it. */
export function subtreeIds(tree: readonly TreeNode[], id: string): Set<string> {
  const ids = new Set<string>();
  const node = findNode(tree, id);
  if (node) for (const n of flatten([node])) ids.add(n.page.id);
  return ids;
}

/** The ids of the pages above `id`, the nearest first. */
export function ancestorIds(pages: readonly DocPage[], id: string): string[] {
  const byId = new Map(pages.map((p) => [p.id, p]));
  const out: string[] = [];
  for (let cur = byId.get(id)?.parentId ?? null; cur && !out.includes(cur); cur = byId.get(cur)?.parentId ?? null) out.push(cur);
  return out;
}

/** Pages `id` may be moved under (null, the top level, always may): none of its own subtree. */
export function moveTargets(tree: readonly TreeNode[], id: string): TreeNode[] {
  const own = subtreeIds(tree, id);
  return flatten(tree).filter((n) => !own.has(n.page.id));
}

/** Whether moving `id` under `parentId` is allowed (the hub answers 409 otherwise). */
export function canMoveUnder(tree: readonly TreeNode[], id: string, parentId: string | null): boolean {
  return parentId === null || !subtreeIds(tree, id).has(parentId);
}

/** A move request body: the new parent, and the index among its children without the moved page. */
export interface MoveTo {
  parentId: string | null;
  index: number;
}

export type Shift = 'up' | 'down' | 'indent' | 'outdent';

/**
 * What a keyboard-style shift of a page means: up/down swap it with its neighbour; indent puts it last
 * under the sibling above; outdent puts it right after its parent. Null when there is nowhere to go.
 */
export function shiftMove(tree: readonly TreeNode[], id: string, shift: Shift): MoveTo | null {
  const node = findNode(tree, id);
  if (!node) return null;
  const parent = node.page.parentId ? findNode(tree, node.page.parentId) : null;
  const siblings = parent ? parent.children : tree;
  const at = siblings.findIndex((n) => n.page.id === id);
  const parentId = parent ? parent.page.id : null;
  switch (shift) {
    case 'up':
      return at > 0 ? { parentId, index: at - 1 } : null;
    case 'down':
      return at < siblings.length - 1 ? { parentId, index: at + 1 } : null;
    case 'indent': {
      const above = siblings[at - 1];
      return above ? { parentId: above.page.id, index: above.children.length } : null;
    }
    case 'outdent': {
      if (!parent) return null;
      const grand = parent.page.parentId ? findNode(tree, parent.page.parentId) : null;
      const outer = grand ? grand.children : tree;
      return { parentId: grand ? grand.page.id : null, index: outer.findIndex((n) => n.page.id === parent.page.id) + 1 };
    }
  }
}

/**
 * A drop of page `id` onto page `targetId`: `inside` makes it the target's last child; `before` puts it
 * just above the target among the target's siblings. Null when the drop is not allowed (onto itself or
 * its own subtree) or would change nothing.
 */
export function dropMove(tree: readonly TreeNode[], id: string, targetId: string | null, where: 'inside' | 'before'): MoveTo | null {
  if (targetId === null) return { parentId: null, index: tree.filter((n) => n.page.id !== id).length };
  if (subtreeIds(tree, id).has(targetId)) return null;
  const target = findNode(tree, targetId);
  if (!target) return null;
  if (where === 'inside') {
    return { parentId: targetId, index: target.children.filter((n) => n.page.id !== id).length };
  }
  const parent = target.page.parentId ? findNode(tree, target.page.parentId) : null;
  const siblings = (parent ? parent.children : tree).filter((n) => n.page.id !== id);
  return { parentId: parent ? parent.page.id : null, index: siblings.findIndex((n) => n.page.id === targetId) };
}

/** Apply a page the hub returned (created, renamed, moved) to a flat list, keeping the rest. */
export function upsertPage(pages: readonly DocPage[], page: DocPage): DocPage[] {
  const i = pages.findIndex((p) => p.id === page.id);
  if (i < 0) return [...pages, page];
  const next = pages.slice();
  next[i] = page;
  return next;
}

/** Cursor colours, readable on light and dark backgrounds. */
export const CURSOR_COLOURS = ['#d9480f', '#2b8a3e', '#1c7ed6', '#ae3ec9', '#e8590c', '#0c8599', '#c2255c', '#5f3dc4', '#846358', '#5c940d'] as const;

/** A co-editor's colour: the same for a person in every tab and on every page. */
export function colourFor(userId: string): string {
  let h = 0;
  for (let i = 0; i < userId.length; i++) h = (h * 31 + userId.charCodeAt(i)) >>> 0;
  return CURSOR_COLOURS[h % CURSOR_COLOURS.length];
}

/**
 * A co-editor's colour as it may be drawn: their awareness state is whatever their client sent, and the
 * colour goes into inline styles, so only a plain six-digit hex colour is used (`fallback` otherwise).
 */
export function safeColour(colour: unknown, fallback: string): string {
  return typeof colour === 'string' && /^#[0-9a-f]{6}$/i.test(colour) ? colour : fallback;
}

/** The title to show for a page (an untitled page still needs a name in the tree). */
export function pageLabel(page: Pick<DocPage, 'title'>, untitled: string): string {
  return page.title.trim() || untitled;
}
