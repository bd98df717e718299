/**
 * Checkpoints of a run's state (issue 19: step back anywhere, fast). A
 * recorded session steps back by restoring the state of the latest
 * checkpoint at or before the bar asked for and replaying forward from it,
 * instead of re-running the run from its first record.
 *
 * A checkpoint is a deep copy of the data of a driver's object graph (its
 * run, node, market pipeline, analyzer, trader, venue, portfolio, kill
 * switch, clock and the recorded session's check): class instances keep
 * their prototypes, arrays, maps, sets and typed arrays are copied, shared
 * objects stay shared. What the run was given (its dependencies, the
 * recorded session's records and script) is shared, not copied.
 *
 * Functions are not state: they are the wiring (a pipeline's sink, a
 * trader's dependencies, a kill switch's listeners), made by the constructors. So a checkpoint is
 * restored into a freshly constructed driver, field by field: every object
 * the fresh graph has where the checkpoint has one of the same class is
 * kept and filled in (so the closures that captured it stay right), the
 * others are copied, and the fresh functions stay. A function inside data
 * that has to be copied (a pending timer's handle) would still point at
 * the old graph: restoring refuses it (StateCopyError), and checkpoints are
 * only taken where none is pending (engine/run/drivers/paced.ts).
 *
 * tests/unit/checkpoint.test.ts checks that restore + replay equals a
 * straight replay at 50 random bars of real sessions.
 */

/** A state that cannot be copied or restored: names where in the graph. */
export class StateCopyError extends Error {
  override readonly name = 'StateCopyError';
}

/** Whether `o` is shared by the checkpoint and the run, never copied (what the run was given). */
export type IsShared = (o: object) => boolean;

type Bag = Record<string, unknown>;

const isContainer = (v: object): boolean => Array.isArray(v) || v instanceof Map || v instanceof Set || ArrayBuffer.isView(v);

/**
 * Wiring, like a function: a list of listeners (an array, set or map holding
 * functions), or an iterator or generator (its position lives in its closure;
 * a driver keeps its own position beside it).
 */
function isWiring(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  // Lists hold one kind of thing: listeners, or data. The first item says which (lists are long: no scan).
  if (Array.isArray(v)) return typeof v[0] === 'function';
  if (v instanceof Set || v instanceof Map) return typeof (v.values().next().value as unknown) === 'function';
  if (typeof (v as { next?: unknown }).next === 'function') return Symbol.asyncIterator in v || Symbol.iterator in v;
  return false;
}

/**
 * A deep copier over one memo (shared objects stay shared). `functions`:
 * 'keep' copies them by reference (a checkpoint, whose functions are never
 * restored); 'refuse' throws on one (data copied into a run).
 */
function copier(shared: IsShared, functions: 'keep' | 'refuse', memo: Map<object, object>) {
  const copy = (v: unknown): unknown => {
    if (typeof v === 'function') {
      if (functions === 'refuse') throw new StateCopyError('a function in the state would point at the old run');
      return v;
    }
    if (v === null || typeof v !== 'object') return v;
    if (shared(v) || Object.isFrozen(v)) return v;
    const seen = memo.get(v);
    if (seen !== undefined) return seen;
    if (Array.isArray(v)) {
      const out: unknown[] = new Array<unknown>(v.length);
      memo.set(v, out);
      for (let i = 0; i < v.length; i++) {
        const x = v[i] as unknown;
        out[i] = typeof x === 'object' || typeof x === 'function' ? copy(x) : x;
      }
      return out;
    }
    if (v instanceof Map) {
      const out = new Map<unknown, unknown>();
      memo.set(v, out);
      for (const [k, x] of v) out.set(copy(k), copy(x));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set<unknown>();
      memo.set(v, out);
      for (const x of v) out.add(copy(x));
      return out;
    }
    if (ArrayBuffer.isView(v)) {
      if (v instanceof DataView) throw new StateCopyError('a DataView in the state');
      const out = (v as unknown as { slice(): object }).slice();
      memo.set(v, out);
      return out;
    }
    if (v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet) throw new StateCopyError(`a ${v.constructor.name} in the state`);
    const out = Object.create(Object.getPrototypeOf(v) as object | null) as Bag;
    memo.set(v, out);
    // Own data fields (a class's fields, a record's): accessors live on prototypes.
    for (const key of Object.keys(v)) {
      const x = (v as Bag)[key];
      out[key] = typeof x === 'object' || typeof x === 'function' ? copy(x) : x;
    }
    return out;
  };
  return copy;
}

/**
 * A checkpoint of `root`'s state (module header): a deep copy, with what
 * `shared` names and frozen objects shared.
 * @throws StateCopyError for a promise, a weak collection or a DataView in the state.
 */
export function copyState<T extends object>(root: T, shared: IsShared): T {
  try {
    return copier(shared, 'keep', new Map())(root) as T;
  } catch (e) {
    throw e instanceof StateCopyError ? new StateCopyError(`checkpoint: ${e.message}`) : e;
  }
}

/**
 * Restores checkpoint `saved` into `fresh`, a newly constructed object of
 * the same kind (module header).
 * @throws StateCopyError where data to copy holds a function, or as copyState.
 */
export function restoreState<T extends object>(fresh: T, saved: T, shared: IsShared): void {
  const memo = new Map<object, object>();
  /** Fresh objects already filled from a saved one: never filled from a second. */
  const used = new Set<object>();
  const copy = copier(shared, 'refuse', memo);
  const fill = (f: Bag, s: Bag, path: string): void => {
    memo.set(s, f);
    used.add(f);
    const keys = Object.keys(s);
    for (const key of keys) {
      const sv = s[key];
      const fv = f[key];
      // The wiring is the fresh graph's: functions, and lists of listeners.
      if (typeof sv === 'function' || isWiring(sv) || isWiring(fv)) continue;
      const at = `${path}.${String(key)}`;
      let next: unknown;
      if (sv === null || typeof sv !== 'object' || shared(sv) || Object.isFrozen(sv)) next = sv;
      else if (memo.has(sv)) next = memo.get(sv);
      else if (typeof fv === 'object' && fv !== null && !shared(fv) && !Object.isFrozen(fv) && !used.has(fv) && !isContainer(sv) && Object.getPrototypeOf(fv) === Object.getPrototypeOf(sv)) {
        fill(fv as Bag, sv as Bag, at);
        next = fv;
      } else {
        try {
          next = copy(sv);
        } catch (e) {
          throw e instanceof StateCopyError && !e.message.startsWith('checkpoint:') ? new StateCopyError(`checkpoint: ${e.message}, under ${at}`) : e;
        }
      }
      if (next !== fv || !Object.prototype.hasOwnProperty.call(f, key)) f[key] = next;
    }
    const own = new Set(keys);
    for (const key of Object.keys(f)) if (!own.has(key) && typeof f[key] !== 'function') delete f[key];
  };
  fill(fresh as unknown as Bag, saved as unknown as Bag, 'root');
}
