import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

/**
 * Markdown to HTML for the guide and the changelog: CommonMark with GitHub's tables and task lists.
 * Raw HTML in the source is escaped, not passed through (micromark's safe default).
 */
export function renderMarkdown(source: string): string {
  return micromark(source, { extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}
