/** Paths of the shared real data (../shared/data, beside the project) and the build. */
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const SHARED_DATA = resolve(ROOT, '../shared/data');
export const REAL_CSV = resolve(SHARED_DATA, 'es/ES_1min_2023-09-24_2023-10-09.csv');
export const REAL_JSONL = resolve(SHARED_DATA, 'es/ES_1min_2011-01-03_bidask.jsonl');
export const REAL_SCID = resolve(SHARED_DATA, 'sierra/ESM23_10ticks.scid');
/** Sierra Chart trades with 40 levels of depth a side, 2022-01-24 13:30-13:31 UTC. */
export const REAL_DEPTH_TXT = resolve(SHARED_DATA, 'depth/ES_trades_depth40_2022-01-24.txt');
export const ENGINE_ENTRY = resolve(ROOT, 'dist/engine/main.cjs');
export const RENDERER_DIR = resolve(ROOT, 'dist/renderer');
