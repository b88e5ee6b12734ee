import { createHash } from "node:crypto";

/**
 * Tax id formats the back office accepts, by country. Each check is the format and, where
 * the scheme has one, its check digit: a typo is refused at entry, not found at payout.
 */
const FORMATS: Record<string, { pattern: RegExp; check?: (digits: string) => boolean; example: string }> = {
  // Steuerliche Identifikationsnummer: 11 digits, the first not 0
  DE: { pattern: /^[1-9]\d{10}$/, example: "12345678901" },
  // numéro fiscal de référence: 13 digits starting 0-3
  FR: { pattern: /^[0-3]\d{12}$/, example: "1234567890123" },
  // Unique Taxpayer Reference: 10 digits
  GB: { pattern: /^\d{10}$/, example: "1234567890" },
  // SSN (9 digits) or EIN (9 digits), written without dashes after normalising
  US: { pattern: /^\d{9}$/, example: "123456789" },
  // BSN: 9 digits passing the eleven test
  NL: { pattern: /^\d{9}$/, check: elevenTest, example: "111222333" },
  // DNI/NIE: 8 digits (or X/Y/Z and 7) and the control letter
  ES: { pattern: /^[XYZ0-9]\d{7}[A-Z]$/, check: spanishControlLetter, example: "12345678Z" },
};

export const TAX_ID_COUNTRIES = Object.keys(FORMATS);

/** Upper case, no spaces, dots or dashes: "123-45-6789" and "123456789" are one id. */
export function normalizeTaxId(value: string): string {
  return value.toUpperCase().replace(/[\s.\-/]/g, "");
}

/** Undefined when valid; else why not, for the 400 naming the field. */
export function taxIdProblem(country: string, value: string): string | undefined {
  const format = FORMATS[country];
  if (!format) return `tax ids of country ${country} are not supported (supported: ${TAX_ID_COUNTRIES.join(", ")})`;
  const id = normalizeTaxId(value);
  if (!format.pattern.test(id) || (format.check && !format.check(id))) return `not a valid ${country} tax id (e.g. ${format.example})`;
  return undefined;
}

/** SHA-256 of country and normalised id: finds the same person twice without decrypting anything. */
export function taxIdHash(country: string, value: string): Buffer {
  return createHash("sha256")
    .update(`${country}:${normalizeTaxId(value)}`)
    .digest();
}

function elevenTest(id: string): boolean {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(id[i]) * (9 - i);
  sum -= Number(id[8]);
  return sum % 11 === 0;
}

function spanishControlLetter(id: string): boolean {
  const number = Number(id.slice(0, 8).replace("X", "0").replace("Y", "1").replace("Z", "2"));
  return "TRWAGMYFPDXBNJZSQVHLCKE"[number % 23] === id[8];
}

/** ISO 13616 IBAN with its mod-97 check. */
export function ibanProblem(value: string): string | undefined {
  const iban = value.toUpperCase().replace(/\s/g, "");
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return "not an IBAN";
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  const digits = rearranged.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  return rest === 1 ? undefined : "IBAN check digits do not match";
}

export function normalizeIban(value: string): string {
  return value.toUpperCase().replace(/\s/g, "");
}
