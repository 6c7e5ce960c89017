/**
 * Plain text, as every text field of Plaudit takes it (names, titles). Without dependencies: the button's
 * first load uses it (through snippet.ts) and must not pull zod or viem in with it.
 */

/**
 * C0 and C1 controls, and the invisible characters that reorder or hide text (bidi overrides and
 * isolates, zero-width characters, the BOM): refused in every text field.
 */
// eslint-disable-next-line no-control-regex
export const HIDDEN_OR_CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/u;

/** Text without control or invisible characters (titles, names). */
export function isPlainText(value: string): boolean {
  return !HIDDEN_OR_CONTROL.test(value);
}

/** `value` with every control or invisible character (those `isPlainText` refuses) replaced by a space. */
export function blankHiddenCharacters(value: string): string {
  return value.replace(new RegExp(HIDDEN_OR_CONTROL.source, "gu"), " ");
}
