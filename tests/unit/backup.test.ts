/**
 * Backup and restore (engine/store/backup.ts, issue 5): an online backup
 * taken while a writer keeps inserting restores to a database that passes
 * integrity_check and holds every row committed before the backup began;
 * retention keeps exactly the newest 7; a restore refuses a truncated
 * archive, a damaged archive, a corrupt database, a newer schema and a
 * foreign ZIP, leaving the live journal byte-for-byte untouched; a good
 * restore swaps the journal, keeps the replaced one and latches HALTED; the
 * kernel restores in place and takes the daily backup on its clock.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, Zip, ZipDeflate, ZipPassThrough, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { createKernel } from '../../engine/kernel';
import { BackupError, createBackup, listArchives, restoreBackup, verifyArchive } from '../../engine/store/backup';
import { openDb, SCHEMA_VERSION, type Db } from '../../engine/store/db';
import { eventually, ManualClock } from '../support/manual-clock';
import { SHARED_DATA } from '../support/paths';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 21, 9, 30);
const tmp = () => mkdtempSync(join(tmpdir(), 'mia-backup-'));
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A journal with `rows` rows of ~200 bytes in a test table (about 1 page per 18 rows). */
function journalWith(dir: string, rows: number): { db: Db; file: string } {
  const file = join(dir, 'journal.sqlite');
  const db = openDb(file);
  db.exec(`CREATE TABLE stress (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)`);
  const ins = db.prepare(`INSERT INTO stress (payload) VALUES (?)`);
  db.transaction(() => {
    for (let i = 0; i < rows; i++) ins.run(`row ${i} `.padEnd(200, 'x'));
  })();
  return { db, file };
}

const backupOf = (db: Db, dir: string, now: number, keep = 7) =>
  createBackup({ db, dataDir: dir, marketDataDir: SHARED_DATA, folder: join(dir, 'backups'), createFolder: true, keep, appVersion: 'test', now });

async function refusal(p: Promise<unknown>): Promise<BackupError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(BackupError);
  return e as BackupError;
}

describe('backup', () => {
  it('is consistent while a writer keeps inserting: every row committed before it began is restored, integrity ok', async () => {
    const dir = tmp();
    const { db } = journalWith(dir, 40_000);
    const ins = db.prepare(`INSERT INTO stress (payload) VALUES (?)`);
    let writing = true;
    let during = 0;
    const writer = (): void => {
      if (!writing) return;
      ins.run('written during the backup');
      during += 1;
      setImmediate(writer);
    };
    const committedBefore = (db.prepare(`SELECT MAX(id) AS n FROM stress`).get() as { n: number }).n;
    setImmediate(writer);
    const phases = new Set<string>();
    const res = await createBackup({
      db,
      dataDir: dir,
      marketDataDir: SHARED_DATA,
      folder: join(dir, 'backups'),
      createFolder: true,
      keep: 7,
      appVersion: 'test',
      now: T0,
      onProgress: (phase) => phases.add(phase),
    });
    writing = false;
    expect(during).toBeGreaterThan(0); // the writer really ran while the backup was taken
    expect([...phases]).toEqual(['copying', 'compressing']);
    const v = await verifyArchive(res.archive.path, dir, T0); // integrity_check included
    const copy = new Database(v.dbPath, { readonly: true });
    const got = copy.prepare(`SELECT COUNT(*) AS n FROM stress WHERE id <= ?`).get(committedBefore) as { n: number };
    expect(got.n).toBe(committedBefore);
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    copy.close();
    v.dispose();
    expect(v.manifest).toMatchObject({ format: 'mia-workstation-backup', schemaVersion: SCHEMA_VERSION, appVersion: 'test', createdAt: T0 });
    expect(Object.keys(v.manifest.files).sort()).toEqual(['data-files.json', 'journal.sqlite', 'settings.json']);
    db.close();
  }, 60_000);

  it('archives settings, models and the data-files index', async () => {
    const dir = tmp();
    const { db } = journalWith(dir, 10);
    db.prepare(`INSERT INTO settings (key, value) VALUES ('execution', '{"mode":"PAPER","execution":"AUTO"}')`).run();
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'models', 'signal-quality.onnx'), Buffer.from([1, 2, 3, 4]));
    const res = await backupOf(db, dir, T0);
    const v = await verifyArchive(res.archive.path, dir, T0 + 1);
    expect(v.manifest.files['models/signal-quality.onnx']).toMatchObject({ bytes: 4 });
    expect(v.manifest.files['data-files.json']!.bytes).toBeGreaterThan(10);
    expect(v.manifest.rows).toMatchObject({ stress: 10, settings: 1 });
    v.dispose();
    db.close();
  });

  it('keeps exactly the newest 7 archives', async () => {
    const dir = tmp();
    const { db } = journalWith(dir, 10);
    const made: number[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await backupOf(db, dir, T0 + i * DAY);
      made.push(res.archive.createdAt);
      expect(res.deleted).toHaveLength(i < 7 ? 0 : 1);
    }
    const kept = listArchives(join(dir, 'backups'));
    expect(kept.map((a) => a.createdAt)).toEqual(made.slice(2).reverse());
    db.close();
  });

  it('refuses to archive a damaged journal and keeps the older archives', async () => {
    const dir = tmp();
    const { db, file } = journalWith(dir, 2000);
    const good = await backupOf(db, dir, T0);
    db.close();
    flipPageType(file);
    const damaged = new Database(file);
    const e = await refusal(backupOf(damaged, dir, T0 + DAY, 1));
    damaged.close();
    expect(e.kind).toBe('corrupt');
    expect(listArchives(join(dir, 'backups')).map((a) => a.path)).toEqual([good.archive.path]);
  });

  it('says the disk is full, leaves nothing behind and keeps the older archives', async () => {
    const dir = tmp();
    const { db } = journalWith(dir, 10);
    const good = await backupOf(db, dir, T0);
    // The online backup's write fails as SQLite reports a full disk.
    const full = Object.create(db, {
      backup: { value: () => Promise.reject(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })) },
    }) as Db;
    const e = await refusal(backupOf(full, dir, T0 + DAY, 1));
    expect(e.kind).toBe('disk-full');
    expect(e.message).toContain(join(dir, 'backups'));
    expect(readdirSync(join(dir, 'backups'))).toEqual([good.archive.name]);
    db.close();
  });

  it('names a missing folder instead of creating one it was not asked to', async () => {
    const dir = tmp();
    const { db } = journalWith(dir, 10);
    const missing = join(dir, 'no', 'such');
    const e = await refusal(createBackup({ db, dataDir: dir, marketDataDir: SHARED_DATA, folder: missing, createFolder: false, keep: 7, appVersion: 'test', now: T0 }));
    expect(e.kind).toBe('no-folder');
    expect(e.message).toContain(missing);
    db.close();
  });
});

/** Flips a bit of the page-type byte of a b-tree page of the stress table; returns the damaged file's bytes. */
function flipPageType(file: string): Buffer {
  const db = new Database(file);
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const bytes = readFileSync(file);
  bytes[pageSize * 20]! ^= 0x08;
  writeFileSync(file, bytes);
  return bytes;
}

describe('restore', () => {
  /** A live journal, and an archive of a different journal. */
  async function setup() {
    const dir = tmp();
    const src = journalWith(join(dir, 'src'), 500);
    const archive = (await backupOf(src.db, join(dir, 'src'), T0)).archive.path;
    src.db.close();
    const live = journalWith(join(dir, 'live'), 7);
    live.db.close();
    return { dir, archive, live: live.file, before: sha(live.file) };
  }

  const restore = (archive: string, live: string, onSwap = () => undefined) =>
    restoreBackup({ archive, journalPath: live, folder: join(live, '..', 'backups'), now: T0 + DAY, beforeSwap: onSwap });

  it('swaps the journal, keeps the replaced one and latches the kill switch HALTED', async () => {
    const { archive, live } = await setup();
    let swapped = false;
    const res = await restore(archive, live, () => {
      swapped = true;
    });
    expect(swapped).toBe(true);
    const db = new Database(live, { readonly: true });
    expect((db.prepare(`SELECT COUNT(*) AS n FROM stress`).get() as { n: number }).n).toBe(500);
    expect(db.prepare(`SELECT state, trigger, flat FROM kill_switch`).get()).toEqual({ state: 'HALTED', trigger: 'manual', flat: 1 });
    db.close();
    const kept = new Database(res.replacedKeptAt!, { readonly: true });
    expect((kept.prepare(`SELECT COUNT(*) AS n FROM stress`).get() as { n: number }).n).toBe(7);
    kept.close();
  });

  it('reads entries by the central directory: a local-header signature inside an entry’s data does not derail it (issue 16)', async () => {
    const dir = tmp();
    const { db } = journalWith(dir, 400);
    const res = await backupOf(db, dir, T0);
    db.close();
    // The same archive again, written as the app writes it (streamed, sizes after the data), with a stored entry first
    // whose bytes hold a ZIP local-file-header signature and a plausible header after it.
    const entries = unzipSync(readFileSync(res.archive.path));
    const poison = Buffer.alloc(4096, 0x41);
    poison.writeUInt32LE(0x04034b50, 100); // "PK\x03\x04"
    poison.writeUInt16LE(20, 104);
    poison.writeUInt16LE(8, 106);
    poison.writeUInt16LE(8, 108);
    poison.writeUInt16LE(9, 126); // a name length
    const parts: Uint8Array[] = [];
    const zip = new Zip((err, chunk) => {
      if (err !== null) throw err;
      parts.push(chunk);
    });
    const stored = new ZipPassThrough('notes/poison.bin');
    zip.add(stored);
    stored.push(poison, true);
    for (const [name, bytes] of Object.entries(entries)) {
      const f = new ZipDeflate(name, { level: 6 });
      zip.add(f);
      f.push(bytes, true);
    }
    zip.end();
    const archive = join(dir, 'poisoned.zip');
    writeFileSync(archive, Buffer.concat(parts));
    const v = await verifyArchive(archive, dir, T0 + 1);
    expect(v.manifest.rows.stress).toBe(400);
    v.dispose();
  });

  it('refuses a truncated archive and leaves the live journal untouched', async () => {
    const { archive, live, before } = await setup();
    truncateSync(archive, Math.floor(statSync(archive).size / 2));
    const e = await refusal(restore(archive, live, () => expect.unreachable('nothing may be swapped')));
    expect(e.kind).toBe('corrupt');
    expect(e.message).toMatch(/truncated/);
    expect(sha(live)).toBe(before);
  });

  it('refuses an archive with flipped bits and leaves the live journal untouched', async () => {
    const { archive, live, before } = await setup();
    const bytes = readFileSync(archive);
    bytes[Math.floor(bytes.length / 3)]! ^= 0x10;
    writeFileSync(archive, bytes);
    const e = await refusal(restore(archive, live));
    expect(e.kind).toBe('corrupt');
    expect(sha(live)).toBe(before);
  });

  it('refuses a bit-flipped database (integrity_check) even when the archive itself is intact', async () => {
    const dir = tmp();
    const src = journalWith(dir, 2000);
    src.db.close();
    const bytes = flipPageType(src.file);
    // An archive whose checksums are right for the damaged file: only integrity_check can catch it.
    const manifest = {
      format: 'mia-workstation-backup',
      formatVersion: 1,
      appVersion: 'test',
      createdAt: T0,
      schemaVersion: SCHEMA_VERSION,
      files: { 'journal.sqlite': { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') } },
      rows: {},
    };
    const archive = join(dir, 'mia-backup-2026-11-21T09-30-00-000Z.zip');
    writeFileSync(archive, zipSync({ 'journal.sqlite': bytes, 'manifest.json': Buffer.from(JSON.stringify(manifest)) }));
    const live = journalWith(join(dir, 'live'), 3);
    live.db.close();
    const before = sha(live.file);
    const e = await refusal(restore(archive, live.file));
    expect(e.kind).toBe('corrupt');
    expect(e.message).toContain('integrity_check');
    expect(sha(live.file)).toBe(before);
  });

  it('refuses a journal from a newer schema', async () => {
    const dir = tmp();
    const src = journalWith(dir, 5);
    src.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    const archive = (await backupOf(src.db, dir, T0)).archive.path;
    src.db.close();
    const live = journalWith(join(dir, 'live'), 3);
    live.db.close();
    const before = sha(live.file);
    const e = await refusal(restore(archive, live.file));
    expect(e.kind).toBe('newer-schema');
    expect(e.message).toContain(`schema ${SCHEMA_VERSION + 1}`);
    expect(sha(live.file)).toBe(before);
  });

  it('refuses a ZIP that is not a MIA backup, and a missing file', async () => {
    const { dir, live, before } = await setup();
    const foreign = join(dir, 'photos.zip');
    writeFileSync(foreign, zipSync({ 'a.txt': Buffer.from('hello') }));
    expect((await refusal(restore(foreign, live))).kind).toBe('foreign');
    const text = join(dir, 'notes.zip');
    writeFileSync(text, 'not a zip at all');
    expect((await refusal(restore(text, live))).kind).toBe('foreign');
    expect((await refusal(restore(join(dir, 'gone.zip'), live))).kind).toBe('not-found');
    expect(sha(live)).toBe(before);
    expect(existsSync(join(live, '..', 'backups'))).toBe(false); // nothing kept: nothing was replaced
  });
});

describe('backup and restore through the kernel', () => {
  it('restores in place: the engine reopens the restored journal HALTED and keeps serving', async () => {
    const dir = tmp();
    const wall = new ManualClock(T0);
    const k = createKernel({ dataDir: dir, marketDataDir: SHARED_DATA, version: 'test' }, wall);
    await k.api.setExecution('AUTO');
    const { archive } = await k.api.backup();
    await k.api.setExecution('MANUAL');
    await expect(k.api.restore(join(dir, 'nope.zip'))).rejects.toMatchObject({ kind: 'not-found' });
    expect((await k.api.getExecution()).killSwitch.state).toBe('ACTIVE'); // a refused restore changes nothing
    const res = await k.api.restore(archive.path);
    expect(res.replacedKeptAt).toMatch(/journal-replaced-/);
    const x = await k.api.getExecution();
    expect(x.killSwitch).toMatchObject({ state: 'HALTED', trigger: 'manual' });
    expect(x.execution).toBe('AUTO'); // the settings came back with the journal
    expect(await k.api.listSessions()).toEqual([]);
    await k.api.resetKillSwitch('restored journal checked');
    await k.close();
  });

  it('takes the daily backup on its own clock and keeps the setting', async () => {
    const dir = tmp();
    const wall = new ManualClock(T0);
    const k = createKernel({ dataDir: dir, marketDataDir: SHARED_DATA, version: 'test' }, wall);
    const folder = (await k.api.getBackups()).folder;
    wall.advance(60_000);
    await eventually(() => expect(listArchives(folder)).toHaveLength(1));
    wall.advance(12 * 3_600_000);
    expect(listArchives(folder)).toHaveLength(1); // not due yet
    wall.advance(12 * 3_600_000);
    await eventually(() => expect(listArchives(folder)).toHaveLength(2));
    await k.api.setBackupSettings({ daily: false, keep: 3 });
    wall.advance(2 * DAY);
    expect(listArchives(folder)).toHaveLength(2);
    await expect(k.api.setBackupSettings({ keep: 0 })).rejects.toMatchObject({ kind: 'bad-request' });
    expect(await k.api.getBackups()).toMatchObject({ keep: 3, daily: false });
    await k.close();
  });
});
