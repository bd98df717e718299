/**
 * One-click backup and checked restore of the journal (architecture.md,
 * "Storage"; issue 5). One implementation serves the UI's Backup and Restore
 * buttons (through the kernel), the daily schedule and `mia backup` /
 * `mia restore`.
 *
 * An archive is a ZIP (fflate: pure JavaScript, so nothing native to rebuild
 * for Electron, and it streams both ways) holding:
 *   journal.sqlite   SQLite's online backup of the live journal: a consistent
 *                    copy taken while the engine keeps writing
 *   settings.json    the settings table, readable without SQLite
 *   models/...       the ONNX models of the data folder
 *   data-files.json  the index of recorded market-data files (name, bytes, mtime), not their contents
 *   manifest.json    format, app and schema version, and each entry's size and sha256 (written last)
 *
 * [Note: restore checks] A restore extracts into the data folder's own
 * volume and checks, in order: the file is a complete ZIP with a MIA
 * manifest, every entry's size and sha256 match the manifest (fflate does
 * not verify CRCs, so the manifest's hashes are the archive's integrity),
 * the database's own schema version is not newer than this build's, and
 * `PRAGMA integrity_check` answers ok. Only then is anything replaced: the
 * restored database is marked HALTED (its kill switch, so the engine comes
 * back halted even after a crash), the live journal is copied beside the
 * archives as `journal-replaced-<time>.sqlite`, and the restored file is
 * renamed over the live one (atomic on one volume).
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Inflate, Zip, ZipDeflate } from 'fflate';
import { SCHEMA_VERSION, type Db } from './db.js';

/** The manifest's `format`: anything else is not a MIA Workstation backup. */
export const BACKUP_FORMAT = 'mia-workstation-backup';
const FORMAT_VERSION = 1;
/** Archive names: `mia-backup-<UTC time>.zip`, which sort by time. */
const ARCHIVE_RE = /^mia-backup-(\d{4})-(\d\d)-(\d\d)T(\d\d)-(\d\d)-(\d\d)-(\d{3})Z(?:-\d+)?\.zip$/;
const CHUNK = 1 << 20;

/** Why a backup or restore failed; `kind` says what the trader can do. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(
    readonly kind: 'not-found' | 'disk-full' | 'no-folder' | 'corrupt' | 'foreign' | 'newer-schema' | 'io',
    message: string,
  ) {
    super(message);
  }
}

/** What a backup archive's manifest says. */
export interface BackupManifest {
  readonly format: string;
  readonly formatVersion: number;
  readonly appVersion: string;
  /** Wall time of the backup, Unix ms. */
  readonly createdAt: number;
  readonly schemaVersion: number;
  readonly files: Record<string, { readonly bytes: number; readonly sha256: string }>;
  /** Rows per table of the archived journal. */
  readonly rows: Record<string, number>;
}

/** A backup archive on disk. */
export interface ArchiveInfo {
  readonly path: string;
  readonly name: string;
  readonly bytes: number;
  /** From its name, Unix ms. */
  readonly createdAt: number;
}

/** How to take a backup. */
export interface BackupOptions {
  /** The open journal: the online backup's source, read while its owner keeps writing. */
  readonly db: Db;
  /** The data folder: `models/` is archived from it. */
  readonly dataDir: string;
  /** The market-data folder whose files are indexed. */
  readonly marketDataDir: string;
  /** Where the archive goes. */
  readonly folder: string;
  /** Create `folder` when missing (the default folder); an explicit folder must exist. */
  readonly createFolder: boolean;
  /** Archives to keep, newest first; older `mia-backup-*.zip` files are deleted. */
  readonly keep: number;
  readonly appVersion: string;
  /** Wall time now, Unix ms (names the archive). */
  readonly now: number;
  /** Progress: phase and share done, 0-1. */
  readonly onProgress?: (phase: 'copying' | 'compressing', fraction: number) => void;
}

/** A finished backup. */
export interface BackupResult {
  readonly archive: ArchiveInfo;
  readonly rows: Record<string, number>;
  /** Paths deleted by retention. */
  readonly deleted: string[];
}

/**
 * Writes one archive into `o.folder` and applies retention.
 * @throws BackupError 'no-folder' (missing or not a folder), 'disk-full' (ENOSPC or quota), 'io' (other write errors), 'corrupt' (the archive written does not read back: it is deleted, never reported written).
 * Nothing is left behind on failure: partial files are removed, existing archives untouched.
 */
export async function createBackup(o: BackupOptions): Promise<BackupResult> {
  ensureFolder(o.folder, o.createFolder);
  const stamp = stampOf(o.now);
  let name = `mia-backup-${stamp}.zip`;
  for (let i = 2; existsSync(join(o.folder, name)); i++) name = `mia-backup-${stamp}-${i}.zip`;
  const final = join(o.folder, name);
  const dbCopy = join(o.folder, `.${name}.sqlite.part`);
  const zipPart = `${final}.part`;
  try {
    await ioStep(o.folder, () =>
      o.db.backup(dbCopy, {
        progress: ({ totalPages, remainingPages }) => {
          o.onProgress?.('copying', totalPages === 0 ? 1 : (totalPages - remainingPages) / totalPages);
          return 256;
        },
      }),
    );
    const copy = new Database(dbCopy, { readonly: true });
    let rows: Record<string, number>;
    let settings: Record<string, unknown>;
    let schemaVersion: number;
    try {
      // A damaged journal makes a useless archive that retention would trade for a good old one.
      const check = String(copy.pragma('quick_check', { simple: true }));
      if (check !== 'ok') throw new BackupError('corrupt', `the journal is damaged (${check}); no archive was written and the older ones are kept; restore one of them`);
      schemaVersion = copy.pragma('user_version', { simple: true }) as number;
      rows = rowCounts(copy);
      settings = Object.fromEntries((copy.prepare(`SELECT key, value FROM settings ORDER BY key`).all() as { key: string; value: string }[]).map((r) => [r.key, JSON.parse(r.value) as unknown]));
    } catch (e) {
      if (e instanceof BackupError) throw e;
      throw new BackupError('corrupt', `the journal is damaged (${(e as Error).message}); no archive was written and the older ones are kept; restore one of them`);
    } finally {
      copy.close();
    }
    const entries: { name: string; path?: string; data?: Uint8Array }[] = [
      { name: 'journal.sqlite', path: dbCopy },
      { name: 'settings.json', data: json(settings) },
      { name: 'data-files.json', data: json(dataFilesIndex(o.marketDataDir)) },
      ...modelFiles(o.dataDir).map((m) => ({ name: `models/${m.name}`, path: m.path })),
    ];
    const totalBytes = entries.reduce((n, e) => n + (e.data?.length ?? statSync(e.path as string).size), 0);
    await ioStep(o.folder, async () => {
      const fd = openSync(zipPart, 'w');
      try {
        let done = 0;
        const files: Record<string, { bytes: number; sha256: string }> = {};
        const zip = new Zip((err, chunk) => {
          if (err !== null) throw err;
          writeSync(fd, chunk);
        });
        for (const e of entries) {
          const f = new ZipDeflate(e.name, { level: 6 });
          zip.add(f);
          const h = createHash('sha256');
          let bytes = 0;
          const push = (chunk: Uint8Array, last: boolean): void => {
            h.update(chunk);
            bytes += chunk.length;
            done += chunk.length;
            f.push(chunk, last);
          };
          if (e.data !== undefined) push(e.data, true);
          else {
            for await (const chunk of createReadStream(e.path as string, { highWaterMark: CHUNK })) {
              push(chunk as Buffer, false);
              o.onProgress?.('compressing', totalBytes === 0 ? 1 : done / totalBytes);
            }
            f.push(new Uint8Array(0), true);
          }
          files[e.name] = { bytes, sha256: h.digest('hex') };
        }
        const manifest: BackupManifest = { format: BACKUP_FORMAT, formatVersion: FORMAT_VERSION, appVersion: o.appVersion, createdAt: o.now, schemaVersion, files, rows };
        const m = new ZipDeflate('manifest.json', { level: 6 });
        zip.add(m);
        m.push(json(manifest), true);
        zip.end();
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    });
    // Read back before it is called written: an archive this app's own restore would refuse is no backup.
    const check = await verifyArchive(zipPart, o.folder, o.now, false).catch((e: unknown) => {
      const why = e instanceof BackupError ? e.message : String(e);
      throw new BackupError('corrupt', `the archive just written does not read back (${why}); nothing was kept`);
    });
    check.dispose();
    renameSync(zipPart, final);
    o.onProgress?.('compressing', 1);
    const deleted = applyRetention(o.folder, o.keep);
    return { archive: { path: final, name, bytes: statSync(final).size, createdAt: o.now }, rows, deleted };
  } finally {
    // The copy keeps the journal's WAL mode, so reading it leaves -wal and -shm files beside it.
    for (const f of [dbCopy, `${dbCopy}-journal`, `${dbCopy}-wal`, `${dbCopy}-shm`, zipPart]) rmSync(f, { force: true });
  }
}

/** The `mia-backup-*.zip` archives in `folder`, newest first ([] when the folder is missing). */
export function listArchives(folder: string): ArchiveInfo[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const out: ArchiveInfo[] = [];
  for (const name of names) {
    const m = ARCHIVE_RE.exec(name);
    if (m === null) continue;
    const [y, mo, d, h, mi, s, ms] = m.slice(1, 8).map(Number) as [number, number, number, number, number, number, number];
    const path = join(folder, name);
    out.push({ path, name, bytes: statSync(path).size, createdAt: Date.UTC(y, mo - 1, d, h, mi, s, ms) });
  }
  return out.sort((a, b) => b.createdAt - a.createdAt || b.name.localeCompare(a.name, 'en', { numeric: true }));
}

/** Deletes all but the newest `keep` archives; returns the deleted paths. */
export function applyRetention(folder: string, keep: number): string[] {
  const old = listArchives(folder).slice(Math.max(1, keep));
  for (const a of old) rmSync(a.path, { force: true });
  return old.map((a) => a.path);
}

/** An archive that passed every check, extracted beside the journal. */
export interface VerifiedArchive {
  readonly manifest: BackupManifest;
  /** The extracted journal (in `workDir`). */
  readonly dbPath: string;
  readonly workDir: string;
  /** Removes what was extracted. */
  dispose(): void;
}

/**
 * Extracts `archive` into a new folder under `scratchDir` and runs every
 * check of [Note: restore checks] (`checkSchema` false: all but the schema
 * version, to read back an archive just written).
 * @throws BackupError 'not-found', 'foreign' (not a MIA backup), 'corrupt' (truncated, bad hash, failed integrity_check), 'newer-schema', 'disk-full'.
 */
export async function verifyArchive(archive: string, scratchDir: string, now: number, checkSchema = true): Promise<VerifiedArchive> {
  const st = statOrNull(archive);
  if (st === null || !st.isFile()) throw new BackupError('not-found', `${archive}: no such backup archive`);
  const workDir = join(scratchDir, `.restore-${stampOf(now)}`);
  mkdirSync(workDir, { recursive: true });
  const dispose = (): void => rmSync(workDir, { recursive: true, force: true });
  try {
    checkZipEnvelope(archive, st.size);
    const got = await extract(archive, workDir);
    const manifestFile = got.get('manifest.json');
    if (manifestFile === undefined || !manifestFile.complete) {
      if (got.size === 0) throw new BackupError('foreign', `${basename(archive)} is not a MIA Workstation backup (not a ZIP archive, or empty)`);
      if (got.get('journal.sqlite') !== undefined) throw new BackupError('corrupt', `${basename(archive)} is truncated: its manifest is missing (copy it again from where it was saved)`);
      throw new BackupError('foreign', `${basename(archive)} is not a MIA Workstation backup (no manifest.json)`);
    }
    let manifest: BackupManifest;
    try {
      manifest = JSON.parse(Buffer.concat(manifestFile.chunks).toString('utf8')) as BackupManifest;
    } catch {
      throw new BackupError('corrupt', `${basename(archive)}: manifest.json is not valid JSON`);
    }
    if (manifest.format !== BACKUP_FORMAT) throw new BackupError('foreign', `${basename(archive)} is not a MIA Workstation backup (manifest format ${JSON.stringify(manifest.format)})`);
    for (const [name, want] of Object.entries(manifest.files ?? {})) {
      const f = got.get(name);
      if (f === undefined || !f.complete) throw new BackupError('corrupt', `${basename(archive)} is truncated or damaged: ${name} is incomplete`);
      if (f.bytes !== want.bytes || f.sha256 !== want.sha256) throw new BackupError('corrupt', `${basename(archive)} is damaged: ${name} does not match its checksum (sha256)`);
    }
    if (manifest.files?.['journal.sqlite'] === undefined) throw new BackupError('foreign', `${basename(archive)} holds no journal.sqlite`);
    if (checkSchema && manifest.schemaVersion > SCHEMA_VERSION) throw newerSchema(archive, manifest.schemaVersion);
    const dbPath = join(workDir, 'journal.sqlite');
    let db: Database.Database;
    try {
      db = new Database(dbPath, { fileMustExist: true });
    } catch (e) {
      throw new BackupError('corrupt', `${basename(archive)}: journal.sqlite cannot be opened (${(e as Error).message})`);
    }
    try {
      const version = readPragma(db, archive, 'user_version') as number;
      if (checkSchema && version > SCHEMA_VERSION) throw newerSchema(archive, version);
      const check = readPragma(db, archive, 'integrity_check') as { integrity_check: string }[] | string;
      const first = Array.isArray(check) ? check.map((r) => r.integrity_check) : [String(check)];
      if (first.length !== 1 || first[0] !== 'ok') throw new BackupError('corrupt', `${basename(archive)}: the journal fails PRAGMA integrity_check: ${first.slice(0, 3).join('; ')}`);
    } finally {
      db.close();
    }
    return { manifest, dbPath, workDir, dispose };
  } catch (e) {
    dispose();
    if (e instanceof BackupError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') throw new BackupError('disk-full', `not enough disk space to check ${basename(archive)} in ${scratchDir}`);
    throw new BackupError('corrupt', `${basename(archive)} is damaged (${(e as Error).message}); copy it again from where it was saved`);
  }
}

/** How to restore. */
export interface RestoreOptions {
  readonly archive: string;
  /** The live journal file. */
  readonly journalPath: string;
  /** Where the replaced journal is kept. */
  readonly folder: string;
  readonly now: number;
  /** Called after every check passed and before anything is replaced: close the live journal here. */
  readonly beforeSwap: () => void;
}

/** A finished restore. */
export interface RestoreResult {
  readonly manifest: BackupManifest;
  /** The copy of the journal that was replaced, null when there was none. */
  readonly replacedKeptAt: string | null;
}

/**
 * Restores `o.archive` over `o.journalPath` (see [Note: restore checks]).
 * @throws BackupError from `verifyArchive`, or 'disk-full' / 'io' while keeping the replaced journal; in every case the live journal is untouched.
 */
export async function restoreBackup(o: RestoreOptions): Promise<RestoreResult> {
  const dataDir = join(o.journalPath, '..');
  const v = await verifyArchive(o.archive, dataDir, o.now);
  try {
    haltRestored(v.dbPath, basename(o.archive), o.now);
    ensureFolder(o.folder, true);
    o.beforeSwap();
    let kept: string | null = null;
    if (existsSync(o.journalPath)) {
      kept = join(o.folder, `journal-replaced-${stampOf(o.now)}.sqlite`);
      try {
        copyFileSync(o.journalPath, kept);
        for (const ext of ['-wal', '-shm']) if (existsSync(o.journalPath + ext)) renameSync(o.journalPath + ext, kept + ext);
      } catch (e) {
        rmSync(kept, { force: true });
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOSPC' || code === 'EDQUOT') throw new BackupError('disk-full', `not enough disk space in ${o.folder} to keep the replaced journal; nothing was restored`);
        throw new BackupError('io', `could not keep the replaced journal in ${o.folder}: ${(e as Error).message}; nothing was restored`);
      }
    }
    renameSync(v.dbPath, o.journalPath);
    return { manifest: v.manifest, replacedKeptAt: kept };
  } finally {
    v.dispose();
  }
}

// ------------------------------------------------------------------ helpers

/** Latches the restored journal's kill switch HALTED (flat: no venue holds anything for it yet). */
function haltRestored(dbPath: string, archiveName: string, now: number): void {
  const db = new Database(dbPath);
  try {
    const detail = `journal restored from ${archiveName}: review it, then reset the kill switch`;
    db.transaction(() => {
      const prev = (db.prepare(`SELECT state FROM kill_switch WHERE id = 1`).get() as { state: string } | undefined)?.state ?? 'ACTIVE';
      db.prepare(
        `INSERT INTO kill_switch (id, state, trigger, detail, tripped_at, flat, updated_at) VALUES (1, 'HALTED', 'manual', ?, ?, 1, ?)
         ON CONFLICT (id) DO UPDATE SET state = 'HALTED', trigger = 'manual', detail = excluded.detail, tripped_at = excluded.tripped_at, flat = 1, updated_at = excluded.updated_at`,
      ).run(detail, now, now);
      db.prepare(`INSERT INTO kill_switch_events (ts, from_state, to_state, trigger, who, reason) VALUES (?, ?, 'HALTED', 'manual', 'restore', ?)`).run(now, prev, detail);
    })();
  } finally {
    db.close();
  }
}

/**
 * A ZIP starts with a local file header ("PK\x03\x04") and ends with an
 * end-of-central-directory record ("PK\x05\x06", within the last 64 KiB + 22
 * bytes): without the first it is not a ZIP, without the second it was cut short.
 */
function checkZipEnvelope(archive: string, size: number): void {
  const fd = openSync(archive, 'r');
  try {
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    if (head.readUInt32LE(0) !== 0x04034b50) throw new BackupError('foreign', `${basename(archive)} is not a MIA Workstation backup (not a ZIP archive)`);
    const tailLen = Math.min(size, 65_536 + 22);
    const tail = Buffer.alloc(tailLen);
    readSync(fd, tail, 0, tailLen, size - tailLen);
    let found = false;
    for (let i = tailLen - 22; i >= 0 && !found; i--) found = tail.readUInt32LE(i) === 0x06054b50;
    if (!found) throw new BackupError('corrupt', `${basename(archive)} is truncated (its end-of-archive record is missing); copy it again from where it was saved`);
  } finally {
    closeSync(fd);
  }
}

interface Extracted {
  chunks: Buffer[];
  bytes: number;
  sha256: string;
  complete: boolean;
}

/** One entry of a ZIP's central directory (APPNOTE.TXT 4.3.12). */
interface CentralEntry {
  readonly name: string;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

/**
 * The archive's entries as its central directory lists them (APPNOTE.TXT
 * 4.3.12-4.3.16): the end-of-central-directory record at the end, then the
 * directory it points to. Reading entries by their directory offsets, not by
 * scanning the stream for local headers, is what keeps bytes inside
 * compressed data that happen to look like a header from being read as one
 * (issue 16: fflate's streaming Unzip did, and refused a good archive).
 * @throws BackupError 'corrupt' when the directory is missing or damaged, or the archive needs ZIP64.
 */
function centralDirectory(fd: number, archive: string, size: number): CentralEntry[] {
  const tailLen = Math.min(size, 22 + 0xffff);
  const tail = Buffer.alloc(tailLen);
  readSync(fd, tail, 0, tailLen, size - tailLen);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  const bad = (why: string): BackupError => new BackupError('corrupt', `${basename(archive)} is damaged (${why}); copy it again from where it was saved`);
  if (eocd < 0) throw bad('no end-of-central-directory record');
  const count = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw bad('a ZIP64 archive, which this app does not write');
  if (cdOffset + cdSize > size) throw bad('its central directory lies beyond the end of the file');
  const cd = Buffer.alloc(cdSize);
  readSync(fd, cd, 0, cdSize, cdOffset);
  const out: CentralEntry[] = [];
  for (let at = 0, n = 0; n < count; n++) {
    if (at + 46 > cd.length || cd.readUInt32LE(at) !== 0x02014b50) throw bad(`central directory entry ${n + 1} of ${count} is not where the directory says`);
    const nameLen = cd.readUInt16LE(at + 28);
    const e: CentralEntry = {
      method: cd.readUInt16LE(at + 10),
      compressedSize: cd.readUInt32LE(at + 20),
      size: cd.readUInt32LE(at + 24),
      localOffset: cd.readUInt32LE(at + 42),
      name: cd.toString('utf8', at + 46, at + 46 + nameLen),
    };
    if (e.localOffset + 30 + e.compressedSize > size) throw bad(`${e.name} lies beyond the end of the file`);
    out.push(e);
    at += 46 + nameLen + cd.readUInt16LE(at + 30) + cd.readUInt16LE(at + 32);
  }
  return out;
}

/**
 * Reads every entry the central directory lists, by its offset: journal.sqlite
 * and models go to files in `dir`, small entries stay in memory; every entry
 * is hashed (the manifest's sha256 decides). Deflated entries go through
 * fflate's Inflate in chunks, so a large journal never sits in memory.
 */
async function extract(archive: string, dir: string): Promise<Map<string, Extracted>> {
  const got = new Map<string, Extracted>();
  const fd = openSync(archive, 'r');
  const fh = await openFile(archive, 'r'); // data reads are async: the engine answers heartbeats while a large journal inflates
  try {
    const size = statSync(archive).size;
    const header = Buffer.alloc(30);
    const buf = Buffer.alloc(CHUNK);
    for (const entry of centralDirectory(fd, archive, size)) {
      const safe = entry.name.split('/').every((p) => p !== '..' && p !== '') && !entry.name.startsWith('/');
      if (!safe) throw new BackupError('foreign', `${basename(archive)} holds an unsafe path ${JSON.stringify(entry.name)}`);
      if (entry.method !== 0 && entry.method !== 8) throw new BackupError('corrupt', `${basename(archive)}: ${entry.name} uses ZIP compression method ${entry.method}, not deflate`);
      readSync(fd, header, 0, 30, entry.localOffset);
      if (header.readUInt32LE(0) !== 0x04034b50) throw new BackupError('corrupt', `${basename(archive)} is damaged: ${entry.name} has no local header where the directory says`);
      const dataAt = entry.localOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
      const toDisk = entry.name === 'journal.sqlite' || entry.name.startsWith('models/');
      if (toDisk) mkdirSync(join(dir, entry.name, '..'), { recursive: true });
      const out = toDisk ? openSync(join(dir, entry.name), 'w') : -1;
      const h = createHash('sha256');
      const e: Extracted = { chunks: [], bytes: 0, sha256: '', complete: false };
      got.set(entry.name, e);
      const take = (chunk: Uint8Array): void => {
        h.update(chunk);
        e.bytes += chunk.length;
        if (out >= 0) writeSync(out, chunk);
        else e.chunks.push(Buffer.from(chunk));
      };
      try {
        const inflate = entry.method === 8 ? new Inflate((chunk) => take(chunk)) : null;
        for (let done = 0; done < entry.compressedSize; ) {
          const { bytesRead: n } = await fh.read(buf, 0, Math.min(CHUNK, entry.compressedSize - done), dataAt + done);
          if (n <= 0) throw new BackupError('corrupt', `${basename(archive)} is truncated inside ${entry.name}`);
          done += n;
          const piece = buf.subarray(0, n);
          if (inflate === null) take(piece);
          else inflate.push(piece, done >= entry.compressedSize);
        }
        if (inflate !== null && entry.compressedSize === 0) inflate.push(new Uint8Array(0), true);
      } finally {
        if (out >= 0) closeSync(out);
      }
      e.sha256 = h.digest('hex');
      e.complete = e.bytes === entry.size;
    }
  } finally {
    closeSync(fd);
    await fh.close();
  }
  return got;
}

function newerSchema(archive: string, found: number): BackupError {
  return new BackupError('newer-schema', `${basename(archive)} was written by a newer MIA Workstation (journal schema ${found}, this app knows ${SCHEMA_VERSION}); update the app to restore it`);
}

function readPragma(db: Database.Database, archive: string, pragma: string): unknown {
  try {
    return db.pragma(pragma, { simple: pragma === 'user_version' });
  } catch (e) {
    throw new BackupError('corrupt', `${basename(archive)}: the journal fails PRAGMA ${pragma} (${(e as Error).message})`);
  }
}

function rowCounts(db: Database.Database): Record<string, number> {
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[];
  return Object.fromEntries(tables.map((t) => [t.name, (db.prepare(`SELECT COUNT(*) AS n FROM "${t.name}"`).get() as { n: number }).n]));
}

function dataFilesIndex(folder: string): { name: string; bytes: number; modifiedAt: number }[] {
  let names: string[];
  try {
    names = readdirSync(folder).sort();
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const st = statOrNull(join(folder, name));
    return st?.isFile() === true ? [{ name, bytes: st.size, modifiedAt: Math.round(st.mtimeMs) }] : [];
  });
}

function modelFiles(dataDir: string): { name: string; path: string }[] {
  const dir = join(dataDir, 'models');
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.filter((n) => statOrNull(join(dir, n))?.isFile() === true).map((name) => ({ name, path: join(dir, name) }));
}

function ensureFolder(folder: string, create: boolean): void {
  const st = statOrNull(folder);
  if (st?.isDirectory() === true) return;
  if (st !== null) throw new BackupError('no-folder', `backup folder ${folder} is a file, not a folder`);
  if (!create) throw new BackupError('no-folder', `backup folder ${folder} does not exist`);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (e) {
    throw new BackupError('no-folder', `cannot create the backup folder ${folder}: ${(e as Error).message}`);
  }
}

/** Runs a write step, turning the OS's errors into BackupErrors that name the folder. */
async function ioStep<T>(folder: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof BackupError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const msg = (e as Error).message;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL' || /disk is full|database or disk is full/i.test(msg)) {
      throw new BackupError('disk-full', `the disk holding ${folder} is full; free some space and take the backup again (no archive was written)`);
    }
    if (code === 'ENOENT') throw new BackupError('no-folder', `backup folder ${folder} disappeared during the backup`);
    throw new BackupError('io', `backup to ${folder} failed: ${msg}`);
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function json(v: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(v, null, 2) + '\n', 'utf8');
}

/** 2026-11-21T09-30-12-123Z: a file-name-safe UTC time that sorts. */
function stampOf(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}
