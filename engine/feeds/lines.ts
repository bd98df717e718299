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

/**
 * Yields the file's lines in blocks. Strips `\r` of CRLF endings and a UTF-8
 * byte-order mark. The last line is yielded even without a final newline.
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
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, blockBytes, null);
      if (bytesRead === 0) break;
      let text = carry + decoder.write(buf.subarray(0, bytesRead));
      if (first) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      const lines = text.split('\n');
      carry = lines.pop() ?? '';
      stripCr(lines);
      if (lines.length > 0) {
        yield { firstLine: lineNo, lines };
        lineNo += lines.length;
      }
    }
    const rest = carry + decoder.end();
    if (rest.length > 0) {
      const lines = [rest];
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
