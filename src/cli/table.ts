/** Plain aligned text tables for human output. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ");
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

export function orDash(value: string | null | undefined): string {
  return value ?? "-";
}
