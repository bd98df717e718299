/**
 * The DTC peer's message tables, read from the layouts g++ gives Sierra
 * Chart's own current DTCProtocol.h (tests/peers/dtc-header-layout.json,
 * written by scripts/dtc-header-layout.mjs from the header; issue 17, item
 * 4): every message struct of the header, its sizeof, and each member's
 * offset, width and kind as the compiler laid it out. Nothing here comes from
 * the client's codec (engine/live/dtc/protocol.ts computes its offsets): the
 * two agree only if the client reads the header right.
 */
import { readFileSync } from 'node:fs';

export type Kind = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'i64' | 'u64' | 'f32' | 'f64' | `s${number}`;
export interface Table {
  /** The header's struct name (s_LogonRequest ...). */
  readonly struct: string;
  readonly size: number;
  readonly fields: Readonly<Record<string, readonly [offset: number, kind: Kind]>>;
}

interface HeaderLayout {
  readonly structs: readonly { readonly struct: string; readonly type: number; readonly size: number; readonly members: readonly (readonly [string, number, number, string])[] }[];
}

/** A member's kind from the compiler's width and kind (s char array, f floating, i signed, u unsigned). */
function kindOf(bytes: number, kind: string): Kind {
  if (kind === 's') return `s${bytes}`;
  return `${kind === 'f' ? 'f' : kind === 'i' ? 'i' : 'u'}${bytes * 8}` as Kind;
}

const HEADER = JSON.parse(readFileSync(new URL('./dtc-header-layout.json', import.meta.url), 'utf8')) as HeaderLayout;

/** Every message struct of the header, by message type. */
export const T: Readonly<Record<number, Table>> = Object.fromEntries(
  HEADER.structs.map((h) => [
    h.type,
    { struct: h.struct, size: h.size, fields: Object.fromEntries(h.members.filter(([n]) => n !== 'Size' && n !== 'Type').map(([n, offset, bytes, kind]) => [n, [offset, kindOf(bytes, kind)] as const])) },
  ]),
);

/** The binary image of a message from the peer's table. */
export function pack(type: number, values: Readonly<Record<string, number | string>>): Buffer {
  const t = T[type];
  if (t === undefined) throw new Error(`peer: no table for type ${type}`);
  const b = Buffer.alloc(t.size);
  b.writeUInt16LE(t.size, 0);
  b.writeUInt16LE(type, 2);
  for (const [name, v] of Object.entries(values)) {
    const f = t.fields[name];
    if (f === undefined) throw new Error(`peer: type ${type} has no member ${name}`);
    const [o, k] = f;
    if (k.startsWith('s')) b.write(String(v), o, Number(k.slice(1)) - 1, 'utf8');
    else if (k === 'u8') b.writeUInt8(Number(v), o);
    else if (k === 'i8') b.writeInt8(Number(v), o);
    else if (k === 'u16') b.writeUInt16LE(Number(v), o);
    else if (k === 'i16') b.writeInt16LE(Number(v), o);
    else if (k === 'u32') b.writeUInt32LE(Number(v), o);
    else if (k === 'i32') b.writeInt32LE(Number(v), o);
    else if (k === 'i64') b.writeBigInt64LE(BigInt(Math.trunc(Number(v))), o);
    else if (k === 'u64') b.writeBigUInt64LE(BigInt(Math.trunc(Number(v))), o);
    else if (k === 'f32') b.writeFloatLE(Number(v), o);
    else b.writeDoubleLE(Number(v), o);
  }
  return b;
}

/** Reads a binary message with the peer's table (members past its Size are left out). */
export function unpack(b: Buffer): Record<string, number | string> & { Type: number } {
  const type = b.readUInt16LE(2);
  const out: Record<string, number | string> & { Type: number } = { Type: type };
  const t = T[type];
  if (t === undefined) return out;
  for (const [name, [o, k]] of Object.entries(t.fields)) {
    const w = k.startsWith('s') ? Number(k.slice(1)) : Number(k.slice(1)) / 8;
    if (o + w > b.length) continue;
    if (k.startsWith('s')) {
      const end = b.indexOf(0, o);
      out[name] = b.toString('utf8', o, end === -1 || end > o + w ? o + w : end);
    } else if (k === 'u8') out[name] = b.readUInt8(o);
    else if (k === 'i8') out[name] = b.readInt8(o);
    else if (k === 'u16') out[name] = b.readUInt16LE(o);
    else if (k === 'i16') out[name] = b.readInt16LE(o);
    else if (k === 'u32') out[name] = b.readUInt32LE(o);
    else if (k === 'i32') out[name] = b.readInt32LE(o);
    else if (k === 'i64') out[name] = Number(b.readBigInt64LE(o));
    else if (k === 'u64') out[name] = Number(b.readBigUInt64LE(o));
    else if (k === 'f32') out[name] = b.readFloatLE(o);
    else out[name] = b.readDoubleLE(o);
  }
  return out;
}
