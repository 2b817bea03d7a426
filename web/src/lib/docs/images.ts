/**
 * Images in a page: uploaded to the page (`POST /api/docs/pages/:id/images`: editors, images only) and
 * placed as an image node whose `src` is the stored file (`/api/files/<id>`), readable by whoever may read
 * the page (a guest of the page through `/api/doc-guest/files/<id>`). Only such sources are ever rendered:
 * a co-editor cannot make the others' browsers load a URL from elsewhere. Pasting or dropping image files
 * into the editor uploads them too.
 */
import type { Editor } from '@tiptap/core';
import Image, { type ImageOptions } from '@tiptap/extension-image';
import { Plugin } from '@tiptap/pm/state';
import { sendFile } from '$lib/chats/uploads.svelte';

/** What the server keeps as an image (it sniffs the bytes; the browser's type is a first filter). */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

const STORED = /^\/api\/files\/[0-9a-f-]{36}$/;

/** The source a stored image is shown from: as stored for colleagues, through the guest routes for a guest. */
export function imageSrc(src: unknown, guest: boolean): string | null {
  if (typeof src !== 'string' || !STORED.test(src)) return null;
  return guest ? src.replace('/api/files/', '/api/doc-guest/files/') : src;
}

export interface DocImageOptions extends ImageOptions {
  pageId: string;
  guest: boolean;
  onError: (e: unknown) => void;
}

/** Upload image files to the page and place each at `at` (a document position) or at the selection. */
export async function insertImages(editor: Editor, options: Pick<DocImageOptions, 'pageId' | 'onError'>, files: File[], at?: number): Promise<void> {
  for (const file of files.filter((f) => IMAGE_TYPES.includes(f.type))) {
    try {
      const ref = await sendFile(`/api/docs/pages/${options.pageId}/images`, file, () => {});
      if (editor.isDestroyed) return;
      const chain = editor.chain().focus();
      if (at !== undefined) chain.setTextSelection(at);
      chain.setImage({ src: `/api/files/${ref.id}`, alt: ref.name }).run();
    } catch (e) {
      options.onError(e);
    }
  }
}

const imagesOf = (list: FileList | null | undefined) => [...(list ?? [])].filter((f) => IMAGE_TYPES.includes(f.type));

export const DocImage = Image.extend<DocImageOptions>({
  addOptions() {
    return { inline: false, allowBase64: false, HTMLAttributes: {}, pageId: '', guest: false, onError: () => {} };
  },

  renderHTML({ HTMLAttributes }) {
    return ['img', { ...HTMLAttributes, src: imageSrc(HTMLAttributes.src, this.options.guest), loading: 'lazy' }];
  },

  addProseMirrorPlugins() {
    const ext = this;
    return [
      new Plugin({
        props: {
          handlePaste(_view, event) {
            const files = imagesOf(event.clipboardData?.files);
            if (!files.length || !ext.editor.isEditable) return false;
            void insertImages(ext.editor, ext.options, files);
            return true;
          },
          handleDrop(view, event) {
            const files = imagesOf(event.dataTransfer?.files);
            if (!files.length || !ext.editor.isEditable) return false;
            event.preventDefault();
            void insertImages(ext.editor, ext.options, files, view.posAtCoords({ left: event.clientX, top: event.clientY })?.pos);
            return true;
          },
        },
      }),
    ];
  },
});

/** The image extension's options of an editor (the toolbar's button uploads through them). */
export function imageOptionsOf(editor: Editor): DocImageOptions | null {
  return (editor.extensionManager.extensions.find((e) => e.name === 'image')?.options as DocImageOptions | undefined) ?? null;
}
