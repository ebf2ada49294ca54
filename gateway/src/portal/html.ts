/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/** JSON for a <script> block: `</script>` and friends cannot end it early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export const PORTAL_CSS = `
:root { color-scheme: light; --ink: #1d2433; --muted: #5b6478; --line: #e3e7ef; --accent: #3c54d4; --bg: #f7f8fb;
  --ok: #17803d; --warn: #a15c00; --bad: #b42318; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: var(--bg); line-height: 1.55; }
a { color: var(--accent); }
header.portal { background: #111827; color: #fff; padding: 18px 32px; display: flex; gap: 28px; align-items: baseline; flex-wrap: wrap; }
header.portal a { color: #c7d2fe; text-decoration: none; }
header.portal a.brand { color: #fff; font-weight: 700; font-size: 1.15rem; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 32px 64px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px; margin: 20px 0; }
h1 { font-size: 1.7rem; margin: 8px 0 4px; } h2 { margin-top: 0; font-size: 1.25rem; }
p.lead { color: var(--muted); margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.94rem; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em; }
pre { background: #0f172a; color: #e2e8f0; padding: 14px 16px; border-radius: 8px; overflow-x: auto; }
:not(pre) > code { background: #eef1f7; padding: 1px 5px; border-radius: 4px; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 0.8rem; font-weight: 600; border: 1px solid; }
.badge.current { color: var(--ok); border-color: var(--ok); }
.badge.deprecated { color: var(--warn); border-color: var(--warn); }
.badge.retired, .badge.sunset { color: var(--bad); border-color: var(--bad); }
.muted { color: var(--muted); }
details summary { cursor: pointer; }
article.markdown h1 { font-size: 1.5rem; } article.markdown table { margin: 12px 0; }
blockquote { margin: 12px 0; padding: 10px 16px; border-left: 4px solid var(--warn); background: #fff7e6; }
.badge.added { color: var(--ok); border-color: var(--ok); }
.badge.changed { color: var(--accent); border-color: var(--accent); }
.badge.removed, .badge.breaking { color: var(--bad); border-color: var(--bad); }
.badge.scheduled { color: var(--muted); border-color: var(--muted); }
`;

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/docs/assets/portal.css">
</head>
<body>
<header class="portal">
  <a class="brand" href="/docs">Concord developer portal</a>
  <a href="/docs#apis">APIs</a>
  <a href="/docs/events">Events</a>
  <a href="/docs/guide">Onboarding guide</a>
  <a href="/docs/sdk">SDK</a>
  <a href="/docs/changelog">Changelog</a>
  <a href="/problems">Errors</a>
</header>
<main>
${body}
</main>
</body>
</html>
`;
}
