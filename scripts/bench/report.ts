import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

export type BenchFigures = Record<string, number | string | boolean | null>;

/**
 * The one way every benchmark reports: a table on stdout and its figures in
 * reports/bench/<name>.json (git-ignored), so later runs and the README read the same keys.
 */
export async function writeBenchReport(name: string, figures: BenchFigures, notes: string[] = []): Promise<string> {
  const rows = Object.entries(figures).map(([key, value]) => [key, formatValue(value)] as const);
  const width = Math.max(...rows.map(([key]) => key.length), 6);
  console.log(`\n${name}`);
  console.log(`${"figure".padEnd(width)}  value`);
  console.log(`${"-".repeat(width)}  ${"-".repeat(12)}`);
  for (const [key, value] of rows) console.log(`${key.padEnd(width)}  ${value}`);
  for (const note of notes) console.log(`note: ${note}`);

  const dir = path.resolve("reports", "bench");
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const report = { name, measuredAt: new Date().toISOString(), node: process.version, figures, notes };
  await writeFile(file, JSON.stringify(report, null, 2) + "\n");
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  return file;
}

function formatValue(value: BenchFigures[string]): string {
  if (typeof value === "number") {
    return Number.isInteger(value) ? value.toLocaleString("en-US") : value.toFixed(3);
  }
  return String(value);
}
