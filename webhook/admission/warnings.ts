/** Kubernetes truncates or drops long warnings; archcheck keeps each to 120 characters. */
export const MAX_WARNING_LENGTH = 120;

/** Shortens a warning to 120 characters with an ellipsis and strips characters the apiserver rejects. */
export function clampWarning(text: string): string {
  const clean = text.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e\u00a0-\uffff]/g, '');
  return clean.length <= MAX_WARNING_LENGTH ? clean : `${clean.slice(0, MAX_WARNING_LENGTH - 1)}…`;
}

/** Distinct, clamped warnings in order. */
export function clampWarnings(warnings: readonly string[]): string[] {
  return [...new Set(warnings.map(clampWarning))];
}
