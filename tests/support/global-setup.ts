/** Fails the run at once, with the reason, when the shared real data is not beside the project. */
import { existsSync } from 'node:fs';
import { REAL_CSV, REAL_JSONL, REAL_SCID, SHARED_DATA } from './paths';

export default function setup(): void {
  const missing = [REAL_CSV, REAL_JSONL, REAL_SCID].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new Error(`The tests read real market data from ${SHARED_DATA} (the shared/ folder beside the project); missing: ${missing.join(', ')}`);
  }
}
