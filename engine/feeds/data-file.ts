/**
 * What may be read as a data file (issue 16, items 12 and 22): a regular,
 * non-empty file. A folder, a device (/dev/zero), a pipe or a kernel file
 * (/proc/self/environ reports size 0) is named as such before anything is
 * read, instead of Node's bare "EISDIR: illegal operation on a directory,
 * read" or "no such file".
 */
import { stat } from 'node:fs/promises';

/** Why `path` cannot be read as a data file; `missing` when nothing is there. */
export interface DataFileProblem {
  readonly missing: boolean;
  /** Names the path: `<path>: is a folder, not a data file`. */
  readonly message: string;
}

/** The problem with reading `path` as a data file, or null when it is a regular, non-empty file. */
export async function dataFileProblem(path: string): Promise<DataFileProblem | null> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { missing: true, message: `${path}: no such file` };
    return { missing: false, message: `${path}: cannot be read (${code ?? (e as Error).message})` };
  }
  if (st.isDirectory()) return { missing: false, message: `${path}: is a folder, not a data file` };
  if (!st.isFile()) return { missing: false, message: `${path}: is not a regular file (a device, a pipe or a socket)` };
  if (st.size === 0) return { missing: false, message: `${path}: is empty` };
  return null;
}
