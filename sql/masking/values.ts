/**
 * What sampled values reveal, decided in Node rather than with REGEXP in the server: MySQL 8.0 runs REGEXP on ICU
 * with a time limit (`regexp_time_limit`, ER_REGEXP_TIME_OUT on long token-like text), MariaDB on PCRE2, so one
 * pattern neither times out nor differs between servers only here. Every pattern below has bounded repetitions
 * and no nested quantifiers, and runs on windows of at most WINDOW characters, so its cost is linear in the value.
 */

/** Characters matched at a time; windows overlap by OVERLAP so that nothing straddling a boundary is missed. */
export const WINDOW = 4096;
const OVERLAP = 256;

/** What a value shows. */
export type ValueSign = "email" | "phone" | "phone_in_text" | "card" | "phone_number";

const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}/;
/** A whole value that is a phone number: +digits, or digit groups with separators, 8 to 15 digits. */
const WHOLE_PHONE = /^\s{0,4}(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,5}(?:[ .-]\d{1,5}){0,4}\s{0,4}$/;
/** A phone number inside text: separated digit groups (090-1234-5678, +81 3 1234 5678, (03) 1234-5678). */
const PHONE_IN_TEXT = /(?<![\d.+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?|\d{1,5}[ .-])\d{1,5}[ .-]\d{3,5}(?![\d.])/g;
/** A card number: 13 to 19 digits, optionally in groups separated by spaces or dashes. */
const CARD = /(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)/g;

const digitCount = (s: string) => s.replace(/\D/g, "").length;

/** Luhn checksum (ISO/IEC 7812-1), which every payment card number passes. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

function* windows(text: string): Generator<string> {
  if (text.length <= WINDOW) {
    yield text;
    return;
  }
  for (let at = 0; at < text.length; at += WINDOW - OVERLAP) yield text.slice(at, at + WINDOW);
}

/** Signs of PII in one text value (free text or a JSON string inside a document). */
export function textSigns(text: string): Set<ValueSign> {
  const signs = new Set<ValueSign>();
  const whole = text.length <= 64 ? text : "";
  if (whole && WHOLE_PHONE.test(whole) && digitCount(whole) >= 8 && digitCount(whole) <= 15 && /[ .()+-]/.test(whole.trim())) signs.add("phone");
  for (const w of windows(text)) {
    if (!signs.has("email") && EMAIL.test(w)) signs.add("email");
    if (!signs.has("phone_in_text")) {
      for (const m of w.matchAll(PHONE_IN_TEXT)) {
        const n = digitCount(m[0]);
        if (n >= 10 && n <= 15) {
          signs.add("phone_in_text");
          break;
        }
      }
    }
    if (!signs.has("card")) {
      for (const m of w.matchAll(CARD)) {
        if (luhn(m[0].replace(/\D/g, ""))) {
          signs.add("card");
          break;
        }
      }
    }
  }
  if (signs.has("phone")) signs.delete("phone_in_text");
  return signs;
}

/**
 * Signs in a number (an integer or DECIMAL column, read as its decimal text): a card number (13 to 19 digits that
 * pass Luhn) or a phone number (10 to 15 digits, not a Unix time in seconds or milliseconds of 2001 to 2038).
 */
export function numberSigns(value: string): Set<ValueSign> {
  const signs = new Set<ValueSign>();
  const digits = value.replace(/^-/, "").replace(/\.0*$/, "");
  if (!/^\d+$/.test(digits)) return signs;
  const epoch = /^1\d{9}$|^1\d{12}$|^2[01]\d{8}$|^2[01]\d{11}$/.test(digits);
  if (digits.length >= 13 && digits.length <= 19 && luhn(digits) && !epoch) signs.add("card");
  if (digits.length >= 10 && digits.length <= 15 && !epoch && !signs.has("card")) signs.add("phone_number");
  return signs;
}

/** A JSON document's keys and string (and number) leaves, depth-first, without recursion limits on input size. */
export function jsonLeaves(text: string): { keys: string[]; strings: string[]; numbers: string[] } {
  const out = { keys: [] as string[], strings: [] as string[], numbers: [] as string[] };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    out.strings.push(text);
    return out;
  }
  const stack: unknown[] = [doc];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === "string") out.strings.push(node);
    else if (typeof node === "number") out.numbers.push(String(node));
    else if (Array.isArray(node)) stack.push(...node);
    else if (node && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        out.keys.push(k);
        stack.push(v);
      }
    }
  }
  return out;
}
