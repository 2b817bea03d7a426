/**
 * @mentions typed in a page: "@" opens a list of colleagues from the directory (as in the chat composer);
 * picking one inserts a mention node (its user id and name). The hub finds these nodes when it stores the
 * page and tells each person once (docs/api.md, "Page comments"). The list is plain DOM, placed under the
 * caret, driven by the keyboard (arrows, Enter, Escape) or the mouse.
 */
import Mention from '@tiptap/extension-mention';
import type { SuggestionKeyDownProps, SuggestionProps } from '@tiptap/suggestion';
import type { PublicUser } from '$shared/types';
import { directory } from '$lib/directory.svelte';
import { session } from '$lib/session.svelte';

type Item = { id: string; label: string };

/** Colleagues whose name (or one of its words) starts with the query; me aside, six at most. */
export function mentionCandidates(users: PublicUser[], query: string, me: string | null): Item[] {
  const q = query.toLowerCase();
  return users
    .filter((u) => u.id !== me && u.role !== 'guest')
    .filter((u) => u.name.toLowerCase().startsWith(q) || u.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q)))
    .slice(0, 6)
    .map((u) => ({ id: u.id, label: u.name }));
}

/** The suggestion list's DOM: one per open list, removed on exit. */
function suggestionList() {
  let el: HTMLDivElement | null = null;
  let props: SuggestionProps<Item, Item> | null = null;
  let index = 0;

  const draw = () => {
    if (!el || !props) return;
    el.replaceChildren();
    el.hidden = props.items.length === 0;
    props.items.forEach((item, i) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = item.label;
      b.setAttribute('role', 'option');
      b.setAttribute('aria-selected', String(i === index));
      b.dataset.testid = 'doc-mention-option';
      b.className = i === index ? 'active' : '';
      // Mouse down, not click: the editor keeps its focus and selection.
      b.addEventListener('mousedown', (e) => {
        e.preventDefault();
        props?.command(item);
      });
      el!.append(b);
    });
    const rect = props.clientRect?.();
    if (rect) {
      el.style.left = `${rect.left + window.scrollX}px`;
      el.style.top = `${rect.bottom + window.scrollY + 4}px`;
    }
  };

  return {
    onStart: (p: SuggestionProps<Item, Item>) => {
      props = p;
      index = 0;
      el = document.createElement('div');
      el.className = 'doc-mention-list';
      el.setAttribute('role', 'listbox');
      el.dataset.testid = 'doc-mention-list';
      document.body.append(el);
      draw();
    },
    onUpdate: (p: SuggestionProps<Item, Item>) => {
      props = p;
      index = Math.min(index, Math.max(0, p.items.length - 1));
      draw();
    },
    onKeyDown: ({ event }: SuggestionKeyDownProps) => {
      const n = props?.items.length ?? 0;
      if (event.key === 'Escape') {
        el?.remove();
        el = null;
        return true;
      }
      if (!n) return false;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        index = (index + (event.key === 'ArrowDown' ? 1 : n - 1)) % n;
        draw();
        return true;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        props!.command(props!.items[index]);
        return true;
      }
      return false;
    },
    onExit: () => {
      el?.remove();
      el = null;
      props = null;
    },
  };
}

/** The editor's mention node, with colleagues as suggestions. */
export const DocMention = Mention.configure({
  HTMLAttributes: { class: 'mention' },
  renderText: ({ node }) => `@${node.attrs.label ?? node.attrs.id}`,
  renderHTML: ({ options, node }) => ['span', { ...options.HTMLAttributes, 'data-type': 'mention', 'data-id': node.attrs.id }, `@${node.attrs.label ?? ''}`],
  suggestion: {
    items: ({ query }) => mentionCandidates(directory.users, query, session.me?.id ?? null),
    render: suggestionList,
  },
});
