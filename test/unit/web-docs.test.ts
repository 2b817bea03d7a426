import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import type { DocPage } from '../../shared/docs';
import {
  ancestorIds, buildTree, canMoveUnder, colourFor, CURSOR_COLOURS, dropMove, findNode, flatten, moveTargets, pageLabel, shiftMove, subtreeIds, upsertPage,
} from '../../web/src/lib/docs/model';
import { SaveTracker, awarenessClock } from '../../web/src/lib/docs/ack';

let n = 0;
function page(id: string, parentId: string | null, position: number, title = id): DocPage {
  n++;
  return {
    id, spaceId: 's', parentId, position, title, createdBy: 'u', createdAt: `2026-01-01T00:00:${String(n % 60).padStart(2, '0')}Z`,
    updatedBy: 'u', updatedAt: '2026-01-01T00:00:00Z', deletedAt: null,
  };
}

/*
 * a            (0)
 *   a1         (0)
 *   a2         (1)
 *     a2x      (0)
 * b            (1)
 * c            (2)
 */
const PAGES = [page('c', null, 2), page('a2x', 'a2', 0), page('a', null, 0), page('a2', 'a', 1), page('b', null, 1), page('a1', 'a', 0)];
const ids = (nodes: { page: DocPage }[]) => nodes.map((x) => x.page.id);

describe('the page tree', () => {
  it('builds parents before children, siblings by position, whatever order the list came in', () => {
    const tree = buildTree(PAGES);
    expect(ids(tree)).toEqual(['a', 'b', 'c']);
    expect(ids(flatten(tree))).toEqual(['a', 'a1', 'a2', 'a2x', 'b', 'c']);
    expect(flatten(tree).map((x) => x.depth)).toEqual([0, 1, 1, 2, 0, 0]);
    expect(ids(flatten(tree, new Set(['a2'])))).toEqual(['a', 'a1', 'a2', 'b', 'c']);
    expect(ids(flatten(tree, new Set(['a'])))).toEqual(['a', 'b', 'c']);
  });

  it('shows orphans at the top and survives a cycle in inconsistent data', () => {
    const tree = buildTree([page('x', 'gone', 0), page('p', 'q', 0), page('q', 'p', 1)]);
    expect(ids(flatten(tree)).sort()).toEqual(['p', 'q', 'x']);
  });

  it('finds subtrees and ancestors', () => {
    const tree = buildTree(PAGES);
    expect(findNode(tree, 'a2x')?.depth).toBe(2);
    expect(findNode(tree, 'nope')).toBeNull();
    expect([...subtreeIds(tree, 'a')].sort()).toEqual(['a', 'a1', 'a2', 'a2x']);
    expect(ancestorIds(PAGES, 'a2x')).toEqual(['a2', 'a']);
    expect(ancestorIds(PAGES, 'b')).toEqual([]);
  });

  it('never offers a move under the page itself or its descendants', () => {
    const tree = buildTree(PAGES);
    expect(ids(moveTargets(tree, 'a2'))).toEqual(['a', 'a1', 'b', 'c']);
    expect(canMoveUnder(tree, 'a', 'a2x')).toBe(false);
    expect(canMoveUnder(tree, 'a', 'a')).toBe(false);
    expect(canMoveUnder(tree, 'a2x', 'a')).toBe(true);
    expect(canMoveUnder(tree, 'a', null)).toBe(true);
  });

  it('turns up, down, indent and outdent into move bodies (index among the siblings without the page)', () => {
    const tree = buildTree(PAGES);
    expect(shiftMove(tree, 'b', 'up')).toEqual({ parentId: null, index: 0 });
    expect(shiftMove(tree, 'b', 'down')).toEqual({ parentId: null, index: 2 });
    expect(shiftMove(tree, 'a', 'up')).toBeNull();
    expect(shiftMove(tree, 'c', 'down')).toBeNull();
    expect(shiftMove(tree, 'b', 'indent')).toEqual({ parentId: 'a', index: 2 });
    expect(shiftMove(tree, 'a1', 'indent')).toBeNull();
    expect(shiftMove(tree, 'a2', 'outdent')).toEqual({ parentId: null, index: 1 });
    expect(shiftMove(tree, 'a2x', 'outdent')).toEqual({ parentId: 'a', index: 2 });
    expect(shiftMove(tree, 'b', 'outdent')).toBeNull();
    expect(shiftMove(tree, 'missing', 'up')).toBeNull();
  });

  it('turns drops into move bodies and refuses drops into the own subtree', () => {
    const tree = buildTree(PAGES);
    expect(dropMove(tree, 'c', 'a', 'inside')).toEqual({ parentId: 'a', index: 2 });
    expect(dropMove(tree, 'c', 'a2', 'before')).toEqual({ parentId: 'a', index: 1 });
    expect(dropMove(tree, 'c', 'a', 'before')).toEqual({ parentId: null, index: 0 });
    expect(dropMove(tree, 'a1', 'a', 'inside')).toEqual({ parentId: 'a', index: 1 });
    expect(dropMove(tree, 'a', 'a2x', 'inside')).toBeNull();
    expect(dropMove(tree, 'a', 'a', 'before')).toBeNull();
    expect(dropMove(tree, 'a2x', null, 'inside')).toEqual({ parentId: null, index: 3 });
    expect(dropMove(tree, 'a', null, 'inside')).toEqual({ parentId: null, index: 2 });
  });

  it('merges pages the hub returns and names untitled ones', () => {
    const renamed = { ...PAGES[0], title: 'C!' };
    expect(upsertPage(PAGES, renamed).find((p) => p.id === 'c')?.title).toBe('C!');
    expect(upsertPage(PAGES, page('d', null, 3))).toHaveLength(PAGES.length + 1);
    expect(pageLabel({ title: '  ' }, 'Untitled')).toBe('Untitled');
    expect(pageLabel({ title: 'Plan' }, 'Untitled')).toBe('Plan');
  });

  it('gives each person one stable cursor colour', () => {
    expect(colourFor('user-1')).toBe(colourFor('user-1'));
    expect(CURSOR_COLOURS).toContain(colourFor('3f0c1f9a-0000-4000-8000-000000000000'));
    const seen = new Set(Array.from({ length: 50 }, (_, i) => colourFor(`user-${i}`)));
    expect(seen.size).toBeGreaterThan(3);
  });
});

describe('knowing that edits are stored', () => {
  it('reads a client clock out of a real awareness update', () => {
    const a = new Awareness(new Y.Doc());
    const b = new Awareness(new Y.Doc());
    a.setLocalStateField('user', { name: 'Ann' });
    a.setLocalStateField('ask', 1);
    b.setLocalStateField('user', { name: 'Бен' });
    const clockA = a.meta.get(a.clientID)!.clock;
    expect(awarenessClock(encodeAwarenessUpdate(a, [a.clientID]), a.clientID)).toBe(clockA);
    expect(awarenessClock(encodeAwarenessUpdate(b, [b.clientID]), a.clientID)).toBeNull();
    expect(awarenessClock(new Uint8Array([5, 1]), a.clientID)).toBeNull();
    expect(awarenessClock(new Uint8Array(), a.clientID)).toBeNull();
    a.destroy();
    b.destroy();
  });

  it('says saved only when an ask made after the last edit is echoed', () => {
    const s = new SaveTracker();
    expect(s.state).toBe('saved');
    s.edited();
    expect(s.state).toBe('saving');
    expect(s.needsAsk).toBe(true);
    s.asked(5);
    expect(s.needsAsk).toBe(false);
    expect(s.echoed(4)).toBe(false); // an older echo proves nothing
    s.edited(); // typed again while the ask is in flight
    expect(s.echoed(5)).toBe(true);
    expect(s.state).toBe('saving');
    expect(s.needsAsk).toBe(true);
    s.asked(6);
    expect(s.echoed(7)).toBe(true);
    expect(s.state).toBe('saved');
    expect(s.echoed(8)).toBe(false); // nothing asked
  });

  it('asks again after a dropped connection', () => {
    const s = new SaveTracker();
    s.edited();
    s.asked(3);
    s.reset();
    expect(s.echoed(3)).toBe(false);
    expect(s.state).toBe('saving');
    expect(s.needsAsk).toBe(true);
    s.asked(4);
    s.echoed(4);
    expect(s.state).toBe('saved');
  });
});
