import type { Subject } from "../../security/personal-data.js";

/** Names shorter than this are not searched for: "Al" would match half the database. */
const MIN_NAME = 3;

/** The strings that identify the person in free text: email, name, phone, tax id. */
export function identifierStrings(s: Subject): { all: string[]; names: string[] } {
  const names = s.names.filter((n) => n.trim().length >= MIN_NAME);
  const all = [...s.emails, ...names, ...s.phones.filter((p) => p.replace(/\D/g, "").length >= 6), ...s.taxIds.filter((t) => t.length >= 4)];
  return { all: [...new Set(all)], names };
}

function escapeRegex(v: string): string {
  return v.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
}

const WORD = /[\p{L}\p{N}_]/u;

/** Whole words only: "Anna" is not in "Johanna", bob@example.test not in jimbob@example.test. */
function bounded(v: string): string {
  const chars = [...v];
  return `${WORD.test(chars[0] ?? "") ? "\\m" : ""}${escapeRegex(v)}${WORD.test(chars[chars.length - 1] ?? "") ? "\\M" : ""}`;
}

/** A Postgres ARE alternation of the strings (whole words), in clear and as they appear inside JSON text; null when there are none. */
export function identifierPattern(values: string[]): string | null {
  const forms = new Set<string>();
  for (const v of values) {
    forms.add(v);
    forms.add(JSON.stringify(v).slice(1, -1));
  }
  return forms.size ? [...forms].map(bounded).join("|") : null;
}
