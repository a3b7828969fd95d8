/** True for a non-empty string without control characters: fit for an HTTP header value (a newline would start another header). */
export function isHeaderText(v: unknown): v is string {
  if (typeof v !== 'string' || v === '') return false;
  for (let i = 0; i < v.length; i++) {
    const code = v.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}
