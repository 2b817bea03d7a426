/** Rendering options and the mention-name lookup built from them. */

/** Options for rendering: how a mentioned user's id becomes a display name (null when unknown). */
export interface MarkdownOptions {
  mentionName?: (userId: string) => string | null;
}

/** A mentioned user's display name by id (never empty). */
export type NameOf = (userId: string) => string;

/** The NameOf for the given options: the mentionName result, or 'unknown'. */
export function nameResolver(opts: MarkdownOptions | undefined): NameOf {
  return (id) => {
    const name = opts?.mentionName?.(id);
    return typeof name === 'string' && name !== '' ? name : 'unknown';
  };
}
