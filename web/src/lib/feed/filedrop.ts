/**
 * `use:fileTarget`: an element that takes files dropped on it or pasted into it (a field inside it).
 * Drags that carry no files (text, links) and pastes of text are left to the browser.
 */
import { carriesFiles, pastedFiles } from './attachments';

export interface FileTargetOptions {
  onfiles: (files: File[]) => void;
  /** Files are being dragged over the element (true), or no longer (false). */
  ondrag?: (over: boolean) => void;
}

export function fileTarget(node: HTMLElement, options: FileTargetOptions) {
  let opts = options;
  // dragenter/dragleave fire for every child crossed: count them to know when the pointer really left.
  let depth = 0;

  function enter(e: DragEvent) {
    if (!carriesFiles(e.dataTransfer?.types)) return;
    e.preventDefault();
    if (depth++ === 0) opts.ondrag?.(true);
  }
  function over(e: DragEvent) {
    if (!carriesFiles(e.dataTransfer?.types)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
  }
  function leave(e: DragEvent) {
    if (!carriesFiles(e.dataTransfer?.types) || depth === 0) return;
    if (--depth === 0) opts.ondrag?.(false);
  }
  function drop(e: DragEvent) {
    if (!carriesFiles(e.dataTransfer?.types)) return;
    e.preventDefault();
    depth = 0;
    opts.ondrag?.(false);
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) opts.onfiles(files);
  }
  function paste(e: ClipboardEvent) {
    const data = e.clipboardData;
    if (!data) return;
    const files = pastedFiles([...data.types], [...data.files]);
    if (!files.length) return;
    e.preventDefault();
    opts.onfiles(files);
  }

  const listeners = [
    ['dragenter', enter],
    ['dragover', over],
    ['dragleave', leave],
    ['drop', drop],
    ['paste', paste],
  ] as const;
  for (const [type, fn] of listeners) node.addEventListener(type, fn as EventListener);
  return {
    update(next: FileTargetOptions) {
      opts = next;
    },
    destroy() {
      for (const [type, fn] of listeners) node.removeEventListener(type, fn as EventListener);
    },
  };
}
