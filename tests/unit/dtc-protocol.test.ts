import { describe, expect, it } from 'vitest';
import { DTC, DtcFramer, LAYOUTS, type DtcProtocolError, decodeBinary, encodeBinary, encodeJson, type DtcMessage } from '../../engine/live/dtc/protocol.js';
import { T, pack, unpack, type Kind } from '../peers/dtc-layouts.js';
import HEADER from '../peers/dtc-header-layout.json' with { type: 'json' };

/** One struct of Sierra Chart's DTCProtocol.h as g++ lays it out (scripts/dtc-header-layout.mjs). */
interface HeaderStruct {
  readonly struct: string;
  readonly type: number;
  readonly size: number;
  readonly members: readonly (readonly [name: string, offset: number, bytes: number, kind: string])[];
}
const STRUCTS = new Map((HEADER.structs as unknown as HeaderStruct[]).map((s) => [s.type, s]));

/** A peer or client field type as the header's [bytes, kind]. */
function asHeader(k: Kind | string): [number, string] {
  if (k.startsWith('s')) return [Number(k.slice(1)), 's'];
  return [Number(k.slice(1)) / 8, k[0] as string];
}

/** Every disagreement of a set of layouts with the header: sizes, member names (the JSON encoding's keys), offsets, widths and kinds. */
function againstHeader(layouts: Iterable<readonly [type: number, size: number, fields: Iterable<readonly [name: string, offset: number, kind: string]>]>): { compared: number; wrong: string[] } {
  const wrong: string[] = [];
  let compared = 0;
  for (const [type, size, fields] of layouts) {
    const h = STRUCTS.get(type);
    if (h === undefined) {
      wrong.push(`type ${type}: no struct in the header`);
      continue;
    }
    if (size !== h.size) wrong.push(`${h.struct} (${type}): sizeof ${size}, the header's ${h.size}`);
    for (const [name, offset, kind] of fields) {
      compared += 1;
      const m = h.members.find((x) => x[0] === name);
      const [bytes, k] = asHeader(kind);
      if (m === undefined) wrong.push(`${h.struct}.${name}: no such member in the header`);
      else if (m[1] !== offset || m[2] !== bytes || m[3] !== k) wrong.push(`${h.struct}.${name}: at ${offset}, ${bytes} bytes ${k}; the header's at ${m[1]}, ${m[2]} bytes ${m[3]}`);
    }
  }
  return { compared, wrong };
}

describe("DTC peer and client against Sierra Chart's own DTCProtocol.h (issue 17, item 4)", () => {
  it('the client’s computed layouts agree with the header on every struct size, member name (the JSON keys), offset, width and kind', () => {
    const r = againstHeader([...LAYOUTS.values()].map((l) => [l.type, l.size, l.fields.map((f) => [f.name, f.offset, f.type] as const)] as const));
    expect(r.wrong).toEqual([]);
    expect(r.compared).toBeGreaterThan(300);
  });

  it('the header layout file is the compiler’s, from the header named in it, and the DTC peer speaks it', () => {
    expect(HEADER.protocolVersion).toBe(8);
    expect(HEADER.source).toContain('DTCProtocol.h');
    // A few members any DTC implementation knows, as g++ placed them.
    expect(STRUCTS.get(DTC.MARKET_DATA_UPDATE_TRADE)?.members).toContainEqual(['DateTime', 32, 8, 'f']);
    expect(STRUCTS.get(DTC.ORDER_UPDATE)?.members).toContainEqual(['LastFillDateTime', 312, 8, 'i']);
    expect(STRUCTS.size).toBe(96);
    // The peer's tables are the header's structs (tests/peers/dtc-layouts.ts).
    expect(T[DTC.LOGON_REQUEST]).toMatchObject({ struct: 's_LogonRequest', size: 284 });
    expect(T[DTC.CANCEL_ORDER]?.fields.TradeAccount).toEqual([68, 's32']);
  });
});

describe('DTC codec (DTCProtocol.h v8)', () => {
  it('pins a few sizes read straight off the header (pack 8 padding and pack 1 structs)', () => {
    expect(LAYOUTS.get(DTC.MARKET_DATA_UPDATE_TRADE)?.size).toBe(40); // u16 AtBidOrAsk then a double at 16
    expect(LAYOUTS.get(DTC.MARKET_DATA_UPDATE_TRADE_NO_TIMESTAMP)?.size).toBe(19); // pack(1)
    expect(LAYOUTS.get(DTC.MARKET_DATA_UPDATE_BID_ASK_FLOAT_WITH_MICROSECONDS)?.size).toBe(32);
    expect(LAYOUTS.get(DTC.MARKET_DATA_UPDATE_TRADE_WITH_UNBUNDLED_INDICATOR_2)?.size).toBe(27); // pack(1): no padding after the three bytes
    expect(LAYOUTS.get(DTC.ORDER_UPDATE)?.size).toBe(720); // Username after LatestTransactionDateTime in the current header
  });

  it('round-trips a message between the client codec and the peer tables, both ways', () => {
    const trade = encodeBinary(DTC.MARKET_DATA_UPDATE_TRADE, { SymbolID: 7, AtBidOrAsk: 2, Price: 4368.25, Volume: 3, DateTime: 1695643200.125 });
    expect(unpack(trade)).toMatchObject({ Type: 107, SymbolID: 7, AtBidOrAsk: 2, Price: 4368.25, Volume: 3, DateTime: 1695643200.125 });
    const oco = pack(201, { Symbol: 'ESZ3', ClientOrderID_1: 'S1', OrderType_1: 3, Price1_1: 4360.5, ClientOrderID_2: 'T1', Price1_2: 4380, ParentTriggerClientOrderID: 'E1', Quantity_2: 2 });
    expect(decodeBinary(oco)).toMatchObject({ Symbol: 'ESZ3', ClientOrderID_1: 'S1', OrderType_1: 3, Price1_1: 4360.5, ClientOrderID_2: 'T1', Price1_2: 4380, ParentTriggerClientOrderID: 'E1', Quantity_2: 2 });
  });

  it('reads a shorter (older) message with only the members inside its Size', () => {
    const full = encodeBinary(DTC.POSITION_UPDATE, { RequestID: 1, Symbol: 'ESZ3', Quantity: 2, AveragePrice: 4370.25, MarginRequirement: 1000 });
    const short = Buffer.from(full.subarray(0, 112));
    short.writeUInt16LE(112, 0);
    const m = decodeBinary(short);
    expect(m?.Quantity).toBe(2);
    expect(m?.AveragePrice).toBe(4370.25);
    expect(m?.MarginRequirement).toBeUndefined();
  });

  it('frames a stream cut anywhere, switches to JSON after the encoding response, and survives a malformed message', () => {
    const got: DtcMessage[] = [];
    const errors: DtcProtocolError[] = [];
    const f = new DtcFramer(
      (m) => {
        got.push(m);
        if (m.Type === DTC.ENCODING_RESPONSE) f.encoding = m.Encoding === 2 ? 'json' : 'binary';
      },
      (e) => errors.push(e),
    );
    const stream = Buffer.concat([
      encodeBinary(DTC.HEARTBEAT, { NumDroppedMessages: 0, CurrentDateTime: 1 }),
      encodeBinary(DTC.ENCODING_RESPONSE, { ProtocolVersion: 8, Encoding: 2, ProtocolType: 'DTC' }),
      encodeJson(DTC.MARKET_DATA_UPDATE_TRADE, { SymbolID: 1, Price: 4368, Volume: 1 }),
      Buffer.from('{"Type":107,"Price":\0'),
      encodeJson(DTC.HEARTBEAT, { NumDroppedMessages: 0 }),
    ]);
    for (let i = 0; i < stream.length; i += 5) f.push(stream.subarray(i, i + 5)); // 5-byte reads: every message is split
    expect(got.map((m) => m.Type)).toEqual([3, 7, 107, 3]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/malformed JSON message/);
    expect(f.buffered).toBe(0);
  });

  it('holds a truncated binary message until the rest arrives, and gives up a stream whose Size is corrupt (the link reconnects)', () => {
    const got: DtcMessage[] = [];
    const errors: string[] = [];
    const lost: string[] = [];
    const f = new DtcFramer((m) => got.push(m), (e) => errors.push(e.message), (e) => lost.push(e.message));
    const hb = encodeBinary(DTC.HEARTBEAT, { CurrentDateTime: 5 });
    f.push(hb.subarray(0, 9));
    expect(got).toHaveLength(0);
    expect(f.buffered).toBe(9);
    f.push(hb.subarray(9));
    expect(got).toHaveLength(1);
    f.push(Buffer.from([2, 0, 3, 0]));
    expect(lost[0]).toMatch(/Size 2 \(under 4 bytes\): the stream lost its framing/);
    // Nothing after a lost frame can be trusted to start a message: the framer reads no more (a new connection gets a new one).
    f.push(hb);
    expect(got).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
