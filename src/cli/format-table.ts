// Aligned columns for the CLI's tables: every column but the last padded to its widest cell, two spaces apart,
// trailing spaces trimmed. `paint` may colour a padded cell of a data row (not the header), after the padding so
// ANSI codes do not count towards the width.
export type PaintCell = (row: number, column: number, cell: string) => string;

/** One line per row, the header first. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], options: { readonly indent?: string; readonly paint?: PaintCell } = {}): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const indent = options.indent ?? '';
  return [header, ...rows].map((r, row) => `${indent}${r.map((c, i) => {
    const cell = i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0);
    return row === 0 || options.paint === undefined ? cell : options.paint(row - 1, i, cell);
  }).join('  ')}`.trimEnd());
}
