/**
 * Comments in the editor: each open thread's range is highlighted (a ProseMirror decoration), computed
 * from the thread's anchor, two Yjs relative positions, with y-prosemirror's mapping between the Yjs
 * document and the editor's. Relative positions follow the text as anyone edits it, so the highlight
 * stays on the words it was made on; when they are deleted the range collapses and is not drawn.
 * Clicking highlighted text makes its thread the active one (the side panel shows it).
 */
import { Extension, type Editor } from '@tiptap/core';
import { Plugin, PluginKey, TextSelection, type EditorState } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import * as Y from 'yjs';
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition, ySyncPluginKey } from 'y-prosemirror';
import { DOC_COMMENT_LIMITS, type DocComment } from '$shared/docs';
import type { DocComments } from './comments.svelte';

const key = new PluginKey<DecorationSet>('docComments');

/** What y-prosemirror's sync plugin keeps: the Yjs fragment bound to the editor and the node mapping. */
interface SyncState {
  type: Y.XmlFragment;
  doc: Y.Doc;
  binding: { mapping: Map<Y.AbstractType<unknown>, unknown> } | null;
}

function syncState(state: EditorState): SyncState | null {
  const s = ySyncPluginKey.getState(state) as SyncState | undefined;
  return s && s.binding ? s : null;
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

/** The editor positions of a thread's anchor now, or null when they cannot be found or the range is empty. */
export function rangeOf(state: EditorState, comment: DocComment): { from: number; to: number } | null {
  const sync = syncState(state);
  if (!sync || !comment.anchor) return null;
  try {
    const at = (b64: string) =>
      relativePositionToAbsolutePosition(sync.doc, sync.type, Y.decodeRelativePosition(fromBase64(b64)), sync.binding!.mapping as never);
    const from = at(comment.anchor.start);
    const to = at(comment.anchor.end);
    if (from === null || to === null || to <= from || to > state.doc.content.size) return null;
    return { from, to };
  } catch {
    return null;
  }
}

/** The selection as a new thread's anchor (and the text it quotes), or null when nothing is selected. */
export function selectionAnchor(editor: Editor): { anchor: { start: string; end: string }; quote: string } | null {
  const { state } = editor;
  const { from, to, empty } = state.selection;
  const sync = syncState(state);
  if (empty || !sync) return null;
  const rel = (pos: number) =>
    toBase64(Y.encodeRelativePosition(absolutePositionToRelativePosition(pos, sync.type, sync.binding!.mapping as never)));
  const quote = state.doc.textBetween(from, to, ' ').slice(0, DOC_COMMENT_LIMITS.quoteMax);
  return { anchor: { start: rel(from), end: rel(to) }, quote };
}

/** Select a thread's range in the editor and bring it into view; false when the text is gone. */
export function selectThread(editor: Editor, comment: DocComment): boolean {
  const range = rangeOf(editor.state, comment);
  if (!range) return false;
  editor.view.dispatch(editor.state.tr.setSelection(TextSelection.create(editor.state.doc, range.from, range.to)).scrollIntoView());
  editor.view.focus();
  return true;
}

function decorations(state: EditorState, comments: DocComments): DecorationSet {
  const out: Decoration[] = [];
  for (const th of comments.threads) {
    const c = th.root;
    if (c.resolvedAt || c.deletedAt) continue;
    const range = rangeOf(state, c);
    if (!range) continue;
    const cls = c.id === comments.active ? 'doc-comment doc-comment-active' : 'doc-comment';
    out.push(Decoration.inline(range.from, range.to, { class: cls, 'data-comment-id': c.id }, { commentId: c.id }));
  }
  return DecorationSet.create(state.doc, out);
}

/** The highlight plugin, as a Tiptap extension (`comments`: the page's store). */
export const CommentHighlights = Extension.create<{ comments: DocComments | null }>({
  name: 'docComments',
  addOptions: () => ({ comments: null }),
  addProseMirrorPlugins() {
    const comments = this.options.comments;
    if (!comments) return [];
    return [
      new Plugin<DecorationSet>({
        key,
        state: {
          init: (_config, state) => decorations(state, comments),
          // Recomputed when the text changes (remote edits too) or the comments do (a meta from the store).
          apply: (tr, old, _before, state) => (tr.docChanged || tr.getMeta(key) || tr.getMeta(ySyncPluginKey) ? decorations(state, comments) : old),
        },
        props: {
          decorations: (state) => key.getState(state),
          handleClick: (view, pos) => {
            const hit = key.getState(view.state)?.find(pos, pos).map((d) => (d.spec as { commentId: string }).commentId)[0];
            if (hit) comments.focus(hit);
            return false;
          },
        },
        view: (view) => {
          const stop = comments.onChange(() => {
            if (!view.isDestroyed) view.dispatch(view.state.tr.setMeta(key, true));
          });
          return { destroy: stop };
        },
      }),
    ];
  },
});
