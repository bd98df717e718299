/**
 * A bounded fuzz of the file readers (issue 16), with a fixed seed so CI sees
 * the same few hundred cases every run: mutated copies of the real CSV and the
 * real SCID file (a character replaced, a line cut or doubled, garbage in, a
 * year or a price typed wrong, two lines swapped, bytes of a record flipped).
 * The real JSONL bars and a real SPX chain get the same treatment.
 * Each must read without a crash or a hang, name every rejection by file,
 * place and field, and lose no good record to a neighbour's fault: one
 * mutated line or record costs at most that record (two for a swap).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ES, type Bar, type TradeTick } from '../../engine/domain';
import { csvBars, jsonlBars } from '../../engine/feeds/bar-files';
import { parseChain } from '../../engine/gamma/chain';
import { FeedError, RejectionLog } from '../../engine/feeds/rejections';
import { scidTicks } from '../../engine/feeds/scid';
import { REAL_CSV, REAL_JSONL, REAL_SCID, SHARED_DATA } from '../support/paths';

const REAL_CHAIN = join(SHARED_DATA, 'options/spx_quotedata_2023-08-20.csv');

const SEED = 20261201;
const dir = mkdtempSync(join(tmpdir(), 'mia-fuzz-'));

const csvLines = readFileSync(REAL_CSV, 'utf8').split('\n').slice(0, 400);
const mutation = fc.record({
  kind: fc.constantFrom('char', 'cut', 'double', 'garbage', 'year', 'price', 'swap', 'delete', 'nul'),
  line: fc.integer({ min: 1, max: csvLines.length - 2 }),
  at: fc.nat(),
  text: fc.string({ maxLength: 40 }),
});

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(m: Mutation): { lines: string[]; lost: number } {
  const lines = [...csvLines];
  const l = lines[m.line] as string;
  const at = m.at % Math.max(1, l.length);
  switch (m.kind) {
    case 'char':
      lines[m.line] = `${l.slice(0, at)}${m.text.slice(0, 1) || '#'}${l.slice(at + 1)}`;
      break;
    case 'cut':
      lines[m.line] = l.slice(0, at);
      break;
    case 'double':
      lines.splice(m.line, 0, l);
      break;
    case 'garbage':
      lines[m.line] = `${l.slice(0, at)}${m.text}${l.slice(at)}`;
      break;
    case 'year':
      lines[m.line] = l.replace(/^(\d{4})/, (y) => String(Number(y) + 1 + (m.at % 50)));
      break;
    case 'price':
      lines[m.line] = l.replace(/,(\d+(\.\d+)?)/, (_x, p: string) => `,${Number(p) * (10 + (m.at % 1000))}`);
      break;
    case 'swap':
      [lines[m.line], lines[m.line + 1]] = [lines[m.line + 1] as string, l];
      return { lines, lost: 2 };
    case 'delete':
      lines.splice(m.line, 1);
      break;
    case 'nul':
      lines[m.line] = `${l.slice(0, at)}\0${l.slice(at)}`;
      break;
  }
  return { lines, lost: 1 };
}

async function readAll<T>(gen: AsyncGenerator<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of gen) out.push(...b);
  return out;
}

describe('fuzzed copies of the real files (fixed seed)', () => {
  it('300 mutated CSVs: no crash, every rejection named, at most the mutated record lost', async () => {
    const opts = (log: RejectionLog) => ({ instrument: ES, timeframe: '1m' as const, timeZone: 'America/New_York', rejections: log });
    const clean = await readAll<Bar>(csvBars(writeCsv('clean.csv', csvLines), opts(new RejectionLog())));
    let n = 0;
    for (const m of fc.sample(mutation, { seed: SEED, numRuns: 300 })) {
      const { lines, lost } = mutate(m);
      const file = writeCsv(`m${n++}.csv`, lines);
      const log = new RejectionLog();
      let bars: Bar[] = [];
      try {
        bars = await readAll<Bar>(csvBars(file, opts(log)));
      } catch (e) {
        expect(e, JSON.stringify(m)).toBeInstanceOf(FeedError); // only a header the mutation broke refuses the file
        continue;
      }
      for (const r of log.samples()) {
        expect(r.file, JSON.stringify(m)).toBe(file);
        expect(r.location, JSON.stringify(m)).toMatch(/^line \d+$/);
        expect(r.field.length, JSON.stringify(m)).toBeGreaterThan(0);
      }
      expect(bars.length, JSON.stringify(m)).toBeGreaterThanOrEqual(clean.length - lost);
    }
  }, 120_000);

  it('200 SCID copies with a record’s bytes flipped: no crash, at most that record lost', async () => {
    const bytes = readFileSync(REAL_SCID).subarray(0, 56 + 40 * 3000);
    const clean = await readAll<TradeTick>(scidTicks(writeBytes('clean.scid', bytes), ES, new RejectionLog()));
    const flip = fc.record({ record: fc.integer({ min: 0, max: 2999 }), offset: fc.integer({ min: 0, max: 39 }), value: fc.integer({ min: 0, max: 255 }) });
    let n = 0;
    for (const f of fc.sample(flip, { seed: SEED, numRuns: 200 })) {
      const copy = Buffer.from(bytes);
      copy[56 + f.record * 40 + f.offset] = f.value;
      const log = new RejectionLog();
      const ticks = await readAll<TradeTick>(scidTicks(writeBytes(`m${n++}.scid`, copy), ES, log));
      for (const r of log.samples()) expect(r.location, JSON.stringify(f)).toMatch(/^record \d+$/);
      expect(ticks.length, JSON.stringify(f)).toBeGreaterThanOrEqual(clean.length - 1);
    }
  }, 120_000);
});

describe('fuzzed copies of the real JSONL bars and a real SPX chain (fixed seed)', () => {
  const edit = fc.record({ line: fc.nat(), at: fc.nat(), text: fc.string({ maxLength: 12 }), kind: fc.constantFrom('char', 'cut', 'garbage', 'delete') });
  const apply = (lines: string[], m: { line: number; at: number; text: string; kind: string }, first: number): string[] => {
    const out = [...lines];
    const i = first + (m.line % (out.length - first - 1));
    const l = out[i] as string;
    const at = m.at % Math.max(1, l.length);
    if (m.kind === 'char') out[i] = `${l.slice(0, at)}${m.text.slice(0, 1) || '#'}${l.slice(at + 1)}`;
    else if (m.kind === 'cut') out[i] = l.slice(0, at);
    else if (m.kind === 'garbage') out[i] = `${l.slice(0, at)}${m.text}${l.slice(at)}`;
    else out.splice(i, 1);
    return out;
  };

  it('150 mutated JSONL files: no crash, at most the mutated bar lost', async () => {
    const lines = readFileSync(REAL_JSONL, 'utf8').split('\n').slice(0, 300);
    const opts = (log: RejectionLog) => ({ instrument: ES, timeframe: '1m' as const, timeZone: 'America/New_York', rejections: log });
    const clean = await readAll<Bar>(jsonlBars(writeCsv('clean.jsonl', lines), opts(new RejectionLog())));
    let n = 0;
    for (const m of fc.sample(edit, { seed: SEED, numRuns: 150 })) {
      const log = new RejectionLog();
      const bars = await readAll<Bar>(jsonlBars(writeCsv(`m${n++}.jsonl`, apply(lines, m, 0)), opts(log)));
      for (const r of log.samples()) expect(r.location, JSON.stringify(m)).toMatch(/^line \d+$/);
      expect(bars.length, JSON.stringify(m)).toBeGreaterThanOrEqual(clean.length - 1);
    }
  }, 120_000);

  it('150 chains with an option line mutated: never refused whole, the bad line costs its strike alone and is named by line', () => {
    const text = readFileSync(REAL_CHAIN, 'utf8');
    const lines = text.split('\n');
    const first = lines.findIndex((l) => /^\s*Expiration Date\s*,/i.test(l)) + 1;
    const clean = parseChain(text, 'chain.csv');
    for (const m of fc.sample(edit, { seed: SEED, numRuns: 150 })) {
      // Only option lines are mutated: the chain is never refused whole for one of them.
      const chain = parseChain(apply(lines, m, first).join('\n'), 'chain.csv');
      for (const r of chain.rejected) expect(r, JSON.stringify(m)).toMatch(/^chain\.csv:\d+: /);
      expect(chain.options.length, JSON.stringify(m)).toBeGreaterThanOrEqual(clean.options.length - 2);
    }
  });
});

function writeCsv(name: string, lines: string[]): string {
  return writeBytes(name, Buffer.from(lines.join('\n')));
}

function writeBytes(name: string, bytes: Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}
