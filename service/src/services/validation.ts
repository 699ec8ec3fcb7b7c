/** Checks shared by the Cruddur services. Lengths count characters (code points), not bytes. */

export function characterCount(text: string): number {
  // Code points, as the original's Python len() counted: an emoji is one, whatever its UTF-8 size.
  // eslint-disable-next-line @typescript-eslint/no-misused-spread
  return [...text].length;
}

export function isBlank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim() === '';
}

/** A handle is 1–64 letters, digits, `_`, `.` or `-`: nothing that could read as a path or markup. */
const HANDLE = /^[\p{L}\p{N}_.-]{1,64}$/u;

export function isValidHandle(handle: string): boolean {
  return HANDLE.test(handle) && !/^\.+$/.test(handle);
}

/** The blank check first, then the length check: the codes answer in that order. */
export function messageErrors(message: unknown, maxCharacters: number): string[] {
  if (isBlank(message)) return ['message_blank'];
  return characterCount(message as string) > maxCharacters ? ['message_exceed_max_chars'] : [];
}
