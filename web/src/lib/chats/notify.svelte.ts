/**
 * Browser notifications: asked for once from a small prompt (never on page load), then shown while the
 * tab is hidden for a new direct message or a message that mentions me; clicking one focuses the tab and
 * opens the chat.
 */
import { goto } from '$app/navigation';
import type { ChatSummary, Message } from '$shared/messenger';
import { markdownToText } from '$shared/markdown';
import { t } from '../i18n/index.svelte';
import { chatFace, mentionName, person } from './display.svelte';
import { shouldNotify } from './extras';

const DISMISSED = 'artel.notify.dismissed';
const supported = () => typeof window !== 'undefined' && 'Notification' in window;

class Notifier {
  permission = $state<NotificationPermission>(supported() ? Notification.permission : 'denied');
  dismissed = $state(typeof localStorage !== 'undefined' && localStorage.getItem(DISMISSED) === '1');
  /** Show the prompt: notifications exist, were never decided on, and the prompt was not dismissed. */
  ask = $derived(this.permission === 'default' && !this.dismissed);

  async enable(): Promise<void> {
    if (!supported()) return;
    this.permission = await Notification.requestPermission();
  }

  dismiss(): void {
    this.dismissed = true;
    try {
      localStorage.setItem(DISMISSED, '1');
    } catch {
      /* the prompt just comes back next time */
    }
  }

  /** A new message arrived in a chat (from the chat's stream). */
  message(chat: ChatSummary, m: Message, myId: string): void {
    if (!supported() || Notification.permission !== 'granted') return;
    if (!shouldNotify(m, chat, myId, document.visibilityState === 'hidden')) return;
    const author = person(m.authorId).name;
    const title = chat.kind === 'direct' ? author : t('notify.title', { author, chat: chatFace(chat).name });
    const text = markdownToText(m.body, { mentionName });
    const body = text || t('notify.files', { names: m.attachments.map((f) => f.name).join(', ') });
    try {
      const n = new Notification(title, { body, tag: m.id });
      n.onclick = () => {
        window.focus();
        n.close();
        void goto(`/app/chats/${chat.id}`);
      };
    } catch (e) {
      console.warn('notify: failed', e);
    }
  }

  /** Show a notification while the tab is hidden (feed mentions); clicking it focuses the tab and opens `href`. */
  show(title: string, body: string, tag: string, href: string): void {
    if (!supported() || Notification.permission !== 'granted' || document.visibilityState !== 'hidden') return;
    try {
      const n = new Notification(title, { body, tag });
      n.onclick = () => (window.focus(), n.close(), void goto(href));
    } catch (e) {
      console.warn('notify: failed', e);
    }
  }
}

export const notifier = new Notifier();
