import type { Page } from 'playwright-core';

/** The page editor of the knowledge base in a browser page. */
export const editor = (p: Page) => p.locator('[data-testid=doc-editor]');

/** The editor's blocks as text lines, without the co-editors' cursor labels drawn inside it. */
export const editorText = (p: Page) =>
  editor(p).evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement;
    copy.querySelectorAll('.collaboration-cursor__caret').forEach((caret) => caret.remove());
    return Array.from(copy.children).map((block) => block.textContent ?? '').join('\n');
  });

/** Wait for the page's save indicator to say "saved" (the hub confirmed every edit). */
export const saved = (p: Page) => p.locator('[data-testid=doc-status][data-status=saved]').waitFor();

/** A page's row in the page tree, by its title. */
export const treePage = (p: Page, title: string) => p.locator(`[data-testid=tree-page][data-title="${title}"]`);
