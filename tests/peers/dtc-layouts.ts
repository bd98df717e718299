/**
 * The DTC peer's own message tables: byte offsets written out by hand from
 * DTCProtocol.h version 8 (`#pragma pack(8)`: a double or int64 starts on a
 * multiple of 8, an int32 on a multiple of 4; `pack(1)` structs have no
 * padding; sizeof is rounded up to the largest member alignment). Kept apart
 * from the client's codec on purpose (engine/live/dtc/protocol.ts computes its
 * offsets): the two agree only if both read the header right.
 */
export type Kind = 'u8' | 'i8' | 'u16' | 'u32' | 'i32' | 'i64' | 'f32' | 'f64' | `s${number}`;
export interface Table {
  readonly size: number;
  readonly fields: Readonly<Record<string, readonly [offset: number, kind: Kind]>>;
}

export const T: Readonly<Record<number, Table>> = {
  // s_EncodingRequest / s_EncodingResponse
  6: { size: 16, fields: { ProtocolVersion: [4, 'i32'], Encoding: [8, 'i32'], ProtocolType: [12, 's4'] } },
  7: { size: 16, fields: { ProtocolVersion: [4, 'i32'], Encoding: [8, 'i32'], ProtocolType: [12, 's4'] } },
  // s_LogonRequest
  1: {
    size: 280,
    fields: {
      ProtocolVersion: [4, 'i32'], Username: [8, 's32'], Password: [40, 's32'], GeneralTextData: [72, 's64'], Integer_1: [136, 'i32'], Integer_2: [140, 'i32'],
      HeartbeatIntervalInSeconds: [144, 'i32'], TradeMode: [148, 'i32'], TradeAccount: [152, 's32'], HardwareIdentifier: [184, 's64'], ClientName: [248, 's32'],
    },
  },
  // s_LogonResponse
  2: {
    size: 256,
    fields: {
      ProtocolVersion: [4, 'i32'], Result: [8, 'i32'], ResultText: [12, 's96'], ReconnectAddress: [108, 's64'], Integer_1: [172, 'i32'], ServerName: [176, 's60'],
      MarketDepthUpdatesBestBidAndAsk: [236, 'u8'], TradingIsSupported: [237, 'u8'], OCOOrdersSupported: [238, 'u8'], OrderCancelReplaceSupported: [239, 'u8'],
      SymbolExchangeDelimiter: [240, 's4'], SecurityDefinitionsSupported: [244, 'u8'], HistoricalPriceDataSupported: [245, 'u8'],
      ResubscribeWhenMarketDataFeedAvailable: [246, 'u8'], MarketDepthIsSupported: [247, 'u8'], OneHistoricalPriceDataRequestPerConnection: [248, 'u8'],
      BracketOrdersSupported: [249, 'u8'], UseIntegerPriceOrderMessages: [250, 'u8'], UsesMultiplePositionsPerSymbolAndTradeAccount: [251, 'u8'], MarketDataSupported: [252, 'u8'],
    },
  },
  // s_Logoff (largest member uint16: size 101 rounds to 102)
  5: { size: 102, fields: { Reason: [4, 's96'], DoNotReconnect: [100, 'u8'] } },
  // s_Heartbeat
  3: { size: 16, fields: { NumDroppedMessages: [4, 'u32'], CurrentDateTime: [8, 'i64'] } },
  // s_MarketDataRequest / s_MarketDepthRequest
  101: { size: 96, fields: { RequestAction: [4, 'i32'], SymbolID: [8, 'u32'], Symbol: [12, 's64'], Exchange: [76, 's16'], IntervalForSnapshotUpdatesInMilliseconds: [92, 'u32'] } },
  102: { size: 96, fields: { RequestAction: [4, 'i32'], SymbolID: [8, 'u32'], Symbol: [12, 's64'], Exchange: [76, 's16'], NumLevels: [92, 'i32'] } },
  // s_MarketDataReject / s_MarketDepthReject
  103: { size: 104, fields: { SymbolID: [4, 'u32'], RejectText: [8, 's96'] } },
  121: { size: 104, fields: { SymbolID: [4, 'u32'], RejectText: [8, 's96'] } },
  // s_MarketDataUpdateTrade
  107: { size: 40, fields: { SymbolID: [4, 'u32'], AtBidOrAsk: [8, 'u16'], Price: [16, 'f64'], Volume: [24, 'f64'], DateTime: [32, 'f64'] } },
  // s_MarketDataUpdateTradeCompact (22 bytes of members, 4-byte alignment)
  112: { size: 24, fields: { Price: [4, 'f32'], Volume: [8, 'f32'], DateTime: [12, 'u32'], SymbolID: [16, 'u32'], AtBidOrAsk: [20, 'u16'] } },
  // s_MarketDataUpdateTradeWithUnbundledIndicator
  137: {
    size: 40,
    fields: { SymbolID: [4, 'u32'], AtBidOrAsk: [8, 'u8'], UnbundledTradeIndicator: [9, 'i8'], SaleCondition: [10, 'u8'], Price: [16, 'f64'], Volume: [24, 'u32'], DateTime: [32, 'f64'] },
  },
  // s_MarketDataUpdateTradeWithUnbundledIndicator2, pack(1): float price, DateTime t_DateTimeWithMicrosecondsInt; 27 bytes
  146: { size: 27, fields: { SymbolID: [4, 'u32'], Price: [8, 'f32'], Volume: [12, 'u32'], DateTime: [16, 'i64'], AtBidOrAsk: [24, 'u8'], UnbundledTradeIndicator: [25, 'i8'], TradeCondition: [26, 'i8'] } },
  // s_MarketDataUpdateTradeNoTimestamp, pack(1)
  142: { size: 18, fields: { SymbolID: [4, 'u32'], Price: [8, 'f32'], Volume: [12, 'u32'], AtBidOrAsk: [16, 'u8'], UnbundledTradeIndicator: [17, 'i8'] } },
  // s_MarketDataUpdateBidAsk
  108: { size: 40, fields: { SymbolID: [4, 'u32'], BidPrice: [8, 'f64'], BidQuantity: [16, 'f32'], AskPrice: [24, 'f64'], AskQuantity: [32, 'f32'], DateTime: [36, 'u32'] } },
  // s_MarketDataUpdateBidAskCompact
  117: { size: 28, fields: { BidPrice: [4, 'f32'], BidQuantity: [8, 'f32'], AskPrice: [12, 'f32'], AskQuantity: [16, 'f32'], DateTime: [20, 'u32'], SymbolID: [24, 'u32'] } },
  // s_MarketDataUpdateBidAskNoTimeStamp, pack(1)
  143: { size: 24, fields: { SymbolID: [4, 'u32'], BidPrice: [8, 'f32'], BidQuantity: [12, 'u32'], AskPrice: [16, 'f32'], AskQuantity: [20, 'u32'] } },
  // s_MarketDataUpdateBidAskFloatWithMicroseconds, pack(1): DateTime is t_DateTimeWithMicrosecondsInt
  144: { size: 32, fields: { SymbolID: [4, 'u32'], BidPrice: [8, 'f32'], BidQuantity: [12, 'f32'], AskPrice: [16, 'f32'], AskQuantity: [20, 'f32'], DateTime: [24, 'i64'] } },
  // s_MarketDepthSnapshotLevel
  122: {
    size: 56,
    fields: { SymbolID: [4, 'u32'], Side: [8, 'u16'], Price: [16, 'f64'], Quantity: [24, 'f64'], Level: [32, 'u16'], IsFirstMessageInBatch: [34, 'u8'], IsLastMessageInBatch: [35, 'u8'], DateTime: [40, 'f64'], NumOrders: [48, 'u32'] },
  },
  // s_MarketDepthUpdateLevel
  106: { size: 56, fields: { SymbolID: [4, 'u32'], Side: [8, 'u16'], Price: [16, 'f64'], Quantity: [24, 'f64'], UpdateType: [32, 'u8'], DateTime: [40, 'f64'], NumOrders: [48, 'u32'] } },
  // s_MarketDepthUpdateLevelFloatWithMilliseconds, pack(1)
  140: { size: 29, fields: { SymbolID: [4, 'u32'], DateTime: [8, 'i64'], Price: [16, 'f32'], Quantity: [20, 'f32'], Side: [24, 'u8'], UpdateType: [25, 'u8'], NumOrders: [26, 'u16'], FinalUpdateInBatch: [28, 'u8'] } },
  // s_SubmitNewSingleOrder
  208: {
    size: 264,
    fields: {
      Symbol: [4, 's64'], Exchange: [68, 's16'], TradeAccount: [84, 's32'], ClientOrderID: [116, 's32'], OrderType: [148, 'i32'], BuySell: [152, 'i32'],
      Price1: [160, 'f64'], Price2: [168, 'f64'], Quantity: [176, 'f64'], TimeInForce: [184, 'i32'], GoodTillDateTime: [192, 'i64'], IsAutomatedOrder: [200, 'u8'],
      IsParentOrder: [201, 'u8'], FreeFormText: [202, 's48'], OpenOrClose: [252, 'i32'], MaxShowQuantity: [256, 'f64'],
    },
  },
  // s_SubmitNewOCOOrder
  201: {
    size: 376,
    fields: {
      Symbol: [4, 's64'], Exchange: [68, 's16'],
      ClientOrderID_1: [84, 's32'], OrderType_1: [116, 'i32'], BuySell_1: [120, 'i32'], Price1_1: [128, 'f64'], Price2_1: [136, 'f64'], Quantity_1: [144, 'f64'],
      ClientOrderID_2: [152, 's32'], OrderType_2: [184, 'i32'], BuySell_2: [188, 'i32'], Price1_2: [192, 'f64'], Price2_2: [200, 'f64'], Quantity_2: [208, 'f64'],
      TimeInForce: [216, 'i32'], GoodTillDateTime: [224, 'i64'], TradeAccount: [232, 's32'], IsAutomatedOrder: [264, 'u8'], ParentTriggerClientOrderID: [265, 's32'],
      FreeFormText: [297, 's48'], OpenOrClose: [348, 'i32'], PartialFillHandling: [352, 'i8'], UseOffsets: [353, 'u8'], OffsetFromParent1: [360, 'f64'], OffsetFromParent2: [368, 'f64'],
    },
  },
  // s_CancelOrder
  203: { size: 68, fields: { ServerOrderID: [4, 's32'], ClientOrderID: [36, 's32'] } },
  // s_CancelReplaceOrder
  204: {
    size: 128,
    fields: {
      ServerOrderID: [4, 's32'], ClientOrderID: [36, 's32'], Price1: [72, 'f64'], Price2: [80, 'f64'], Quantity: [88, 'f64'], Price1IsSet: [96, 'u8'], Price2IsSet: [97, 'u8'],
      TimeInForce: [104, 'i32'], GoodTillDateTime: [112, 'i64'], UpdatePrice1OffsetToParent: [120, 'u8'],
    },
  },
  // s_OpenOrdersRequest / s_OpenOrdersReject
  300: { size: 76, fields: { RequestID: [4, 'i32'], RequestAllOrders: [8, 'i32'], ServerOrderID: [12, 's32'], TradeAccount: [44, 's32'] } },
  302: { size: 104, fields: { RequestID: [4, 'i32'], RejectText: [8, 's96'] } },
  // s_OrderUpdate
  301: {
    size: 688,
    fields: {
      RequestID: [4, 'i32'], TotalNumMessages: [8, 'i32'], MessageNumber: [12, 'i32'], Symbol: [16, 's64'], Exchange: [80, 's16'], PreviousServerOrderID: [96, 's32'],
      ServerOrderID: [128, 's32'], ClientOrderID: [160, 's32'], ExchangeOrderID: [192, 's32'], OrderStatus: [224, 'i32'], OrderUpdateReason: [228, 'i32'],
      OrderType: [232, 'i32'], BuySell: [236, 'i32'], Price1: [240, 'f64'], Price2: [248, 'f64'], TimeInForce: [256, 'i32'], GoodTillDateTime: [264, 'i64'],
      OrderQuantity: [272, 'f64'], FilledQuantity: [280, 'f64'], RemainingQuantity: [288, 'f64'], AverageFillPrice: [296, 'f64'], LastFillPrice: [304, 'f64'],
      LastFillDateTime: [312, 'i64'], LastFillQuantity: [320, 'f64'], LastFillExecutionID: [328, 's64'], TradeAccount: [392, 's32'], InfoText: [424, 's96'],
      NoOrders: [520, 'u8'], ParentServerOrderID: [521, 's32'], OCOLinkedOrderServerOrderID: [553, 's32'], OpenOrClose: [588, 'i32'],
      PreviousClientOrderID: [592, 's32'], FreeFormText: [624, 's48'], OrderReceivedDateTime: [672, 'i64'], LatestTransactionDateTime: [680, 'f64'],
    },
  },
  // s_HistoricalOrderFillsRequest / s_HistoricalOrderFillResponse
  303: { size: 88, fields: { RequestID: [4, 'i32'], ServerOrderID: [8, 's32'], NumberOfDays: [40, 'i32'], TradeAccount: [44, 's32'], StartDateTime: [80, 'i64'] } },
  304: {
    size: 384,
    fields: {
      RequestID: [4, 'i32'], TotalNumberMessages: [8, 'i32'], MessageNumber: [12, 'i32'], Symbol: [16, 's64'], Exchange: [80, 's16'], ServerOrderID: [96, 's32'],
      BuySell: [128, 'i32'], Price: [136, 'f64'], DateTime: [144, 'i64'], Quantity: [152, 'f64'], UniqueExecutionID: [160, 's64'], TradeAccount: [224, 's32'],
      OpenClose: [256, 'i32'], NoOrderFills: [260, 'u8'], InfoText: [261, 's96'], HighPriceDuringPosition: [360, 'f64'], LowPriceDuringPosition: [368, 'f64'], PositionQuantity: [376, 'f64'],
    },
  },
  // s_CurrentPositionsRequest / s_PositionUpdate / s_CurrentPositionsReject
  305: { size: 40, fields: { RequestID: [4, 'i32'], TradeAccount: [8, 's32'] } },
  306: {
    size: 200,
    fields: {
      RequestID: [4, 'i32'], TotalNumberMessages: [8, 'i32'], MessageNumber: [12, 'i32'], Symbol: [16, 's64'], Exchange: [80, 's16'], Quantity: [96, 'f64'],
      AveragePrice: [104, 'f64'], PositionIdentifier: [112, 's32'], TradeAccount: [144, 's32'], NoPositions: [176, 'u8'], Unsolicited: [177, 'u8'],
      MarginRequirement: [184, 'f64'], EntryDateTime: [192, 'u32'],
    },
  },
  307: { size: 104, fields: { RequestID: [4, 'i32'], RejectText: [8, 's96'] } },
  // s_TradeAccountsRequest / s_TradeAccountResponse
  400: { size: 8, fields: { RequestID: [4, 'i32'] } },
  401: { size: 48, fields: { TotalNumberMessages: [4, 'i32'], MessageNumber: [8, 'i32'], TradeAccount: [12, 's32'], RequestID: [44, 'i32'] } },
  // s_AccountBalanceRequest / s_AccountBalanceReject / s_AccountBalanceUpdate (two u8 then padding to the next double at 96)
  601: { size: 40, fields: { RequestID: [4, 'i32'], TradeAccount: [8, 's32'] } },
  602: { size: 104, fields: { RequestID: [4, 'i32'], RejectText: [8, 's96'] } },
  600: {
    size: 216,
    fields: {
      RequestID: [4, 'i32'], CashBalance: [8, 'f64'], BalanceAvailableForNewPositions: [16, 'f64'], AccountCurrency: [24, 's8'], TradeAccount: [32, 's32'],
      SecuritiesValue: [64, 'f64'], MarginRequirement: [72, 'f64'], TotalNumberMessages: [80, 'i32'], MessageNumber: [84, 'i32'], NoAccountBalances: [88, 'u8'],
      Unsolicited: [89, 'u8'], OpenPositionsProfitLoss: [96, 'f64'], DailyProfitLoss: [104, 'f64'], InfoText: [112, 's96'], TransactionIdentifier: [208, 'i64'],
    },
  },
};

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
    else if (k === 'u32') b.writeUInt32LE(Number(v), o);
    else if (k === 'i32') b.writeInt32LE(Number(v), o);
    else if (k === 'i64') b.writeBigInt64LE(BigInt(Math.trunc(Number(v))), o);
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
    const w = k.startsWith('s') ? Number(k.slice(1)) : k === 'u8' || k === 'i8' ? 1 : k === 'u16' ? 2 : k === 'i64' || k === 'f64' ? 8 : 4;
    if (o + w > b.length) continue;
    if (k.startsWith('s')) {
      const end = b.indexOf(0, o);
      out[name] = b.toString('utf8', o, end === -1 || end > o + w ? o + w : end);
    } else if (k === 'u8') out[name] = b.readUInt8(o);
    else if (k === 'i8') out[name] = b.readInt8(o);
    else if (k === 'u16') out[name] = b.readUInt16LE(o);
    else if (k === 'u32') out[name] = b.readUInt32LE(o);
    else if (k === 'i32') out[name] = b.readInt32LE(o);
    else if (k === 'i64') out[name] = Number(b.readBigInt64LE(o));
    else if (k === 'f32') out[name] = b.readFloatLE(o);
    else out[name] = b.readDoubleLE(o);
  }
  return out;
}
