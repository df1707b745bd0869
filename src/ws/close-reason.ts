// WebSocket close reasons: RFC 6455 allows 123 bytes of UTF-8 (ws throws on more). A reason that would not
// fit is cut at the last whole word that fits and ends with "…", so a client never sees half a word.

/** Largest close reason in UTF-8 bytes (RFC 6455 §5.5: a control frame's 125 bytes minus the 2-byte code). */
export const MAX_CLOSE_REASON_BYTES = 123;

const ELLIPSIS = '…';

/** `text` as a close reason of at most 123 UTF-8 bytes, cut at a word boundary when it is longer. */
export function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= MAX_CLOSE_REASON_BYTES) return text;
  const room = MAX_CLOSE_REASON_BYTES - Buffer.byteLength(ELLIPSIS);
  let kept = '';
  for (const word of text.split(/(?<=\s)/)) {
    if (Buffer.byteLength(kept + word) > room) break;
    kept += word;
  }
  // A single word longer than the room (no blank to cut at): cut by characters, never inside one.
  if (kept === '') {
    for (const character of text) {
      if (Buffer.byteLength(kept + character) > room) break;
      kept += character;
    }
  }
  return `${kept.trimEnd()}${ELLIPSIS}`;
}
