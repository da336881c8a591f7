/** Escapes text for HTML element content and attribute values. */
export const esc = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A table from a header row and body rows (cells already escaped when they are HTML). */
export function table(header: string[], rows: string[][]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** "0.812 [0.751, 0.873]" from an estimate and its interval. */
export function interval(i: { estimate: number; lower?: number; upper?: number } | undefined, digits = 3): string {
  if (!i) return 'n/a';
  return i.lower === undefined || i.upper === undefined ? i.estimate.toFixed(digits) : `${i.estimate.toFixed(digits)} [${i.lower.toFixed(digits)}, ${i.upper.toFixed(digits)}]`;
}

/** The page: inline CSS for screen and print, no script, nothing loaded from elsewhere. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 60em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
section { margin-bottom: 2em; }
table { border-collapse: collapse; margin: .5em 0; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
figure { display: inline-block; margin: .5em 1em .5em 0; }
.note { color: #555; font-size: .9em; }
@media print { body { margin: 0; max-width: none; } section { break-inside: avoid-page; } h2 { break-after: avoid; } figure { break-inside: avoid; } }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}
