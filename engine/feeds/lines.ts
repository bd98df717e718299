/**
 * Streams a text file as blocks of lines, never holding the whole file:
 * each block is what one read of `blockBytes` completes.
 */
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

/** A block of consecutive lines; `firstLine` is the 1-based number of `lines[0]`. */
export interface LineBlock {
  readonly firstLine: number;
  readonly lines: string[];
}

/** The longest line kept, characters (a bar line is under 200): a longer one is skipped, never held. */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Stands in `LineBlock.lines` for a line longer than MAX_LINE_CHARS, which
 * was skipped as it was read (a 200 MB line without a newline took 22 s,
 * quadratic, and a 600 MB one aborted): the reader rejects it by number.
 */
export const OVERLONG_LINE = '\u0000overlong line';

/**
 * Yields the file's lines in blocks. Strips `\r` of CRLF endings and a UTF-8
 * byte-order mark. The last line is yielded even without a final newline. A
 * line longer than MAX_LINE_CHARS is yielded as OVERLONG_LINE.
 * @throws the `fs` error (ENOENT, EACCES...) when the file cannot be read.
 */
export async function* readLineBlocks(path: string, blockBytes = 1 << 20): AsyncGenerator<LineBlock> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(blockBytes);
    const decoder = new StringDecoder('utf8');
    let carry = '';
    let lineNo = 1;
    let first = true;
    /** Inside a line too long to keep: its bytes are dropped up to its newline. */
    let skipping = false;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, blockBytes, null);
      if (bytesRead === 0) break;
      let text = decoder.write(buf.subarray(0, bytesRead));
      if (first) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      const lines: string[] = [];
      if (skipping) {
        const nl = text.indexOf('\n');
        if (nl < 0) continue;
        lines.push(OVERLONG_LINE);
        skipping = false;
        text = text.slice(nl + 1);
      }
      const split = (carry + text).split('\n');
      carry = split.pop() ?? '';
      for (const l of split) lines.push(l.length > MAX_LINE_CHARS ? OVERLONG_LINE : l);
      if (carry.length > MAX_LINE_CHARS) {
        skipping = true;
        carry = '';
      }
      stripCr(lines);
      if (lines.length > 0) {
        yield { firstLine: lineNo, lines };
        lineNo += lines.length;
      }
    }
    const rest = carry + decoder.end();
    if (skipping || rest.length > 0) {
      const lines = [skipping ? OVERLONG_LINE : rest];
      stripCr(lines);
      yield { firstLine: lineNo, lines };
    }
  } finally {
    await fh.close();
  }
}

function stripCr(lines: string[]): void {
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
  }
}
