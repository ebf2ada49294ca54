/**
 * The onboarding guide is written once, as the "Partner onboarding" section of the README, and the
 * portal renders that section: one text, so the repository and the portal cannot tell partners
 * different things.
 */
export const GUIDE_SECTION = 'Partner onboarding';

/**
 * The section's Markdown, headings raised one level (its `##` becomes the page's `#`), with what
 * only makes sense inside the repository left out: images (the portal is what they show) and links
 * to repository files, which keep their text.
 */
export function extractGuide(readme: string, heading: string = GUIDE_SECTION): string | undefined {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start < 0) return undefined;
  const out: string[] = [];
  let fenced = false;
  for (const line of lines.slice(start)) {
    if (line.startsWith('```')) fenced = !fenced;
    if (!fenced && out.length > 0 && /^#{1,2} /.test(line)) break;
    if (fenced) {
      out.push(line);
      continue;
    }
    if (/^!\[[^\]]*\]\([^)]*\)\s*$/.test(line)) continue;
    out.push((line.startsWith('##') ? line.slice(1) : line).replace(/\[([^\]]+)\]\((?!https?:|\/|#)[^)]+\)/g, '$1'));
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
