/**
 * The DTC protocol's messages, binary and JSON encodings (Sierra Chart's
 * "Data and Trading Communications Protocol", `DTCProtocol.h` version 8, and
 * the DTC message documentation on dtcprotocol.org).
 *
 * Binary encoding: every message is the little-endian image of its C struct,
 * `#pragma pack(8)` unless the header says `pack(1)`, starting with
 * `uint16 Size` (the whole message in bytes) and `uint16 Type`. Fixed-length
 * strings are NUL-padded. A receiver reads only the fields that fit inside
 * `Size` (an older, shorter message leaves the rest at their defaults) and
 * skips bytes beyond the fields it knows (a newer, longer one).
 *
 * JSON encoding: one JSON object per message, terminated by a NUL byte, with
 * `Type` and the struct's member names; absent members take their defaults.
 *
 * The encoding request (type 6) is always binary; both sides switch to the
 * agreed encoding after the encoding response (type 7).
 *
 * Offsets here are computed from the declared member order and the packing
 * rule, not written by hand; `tests/unit/dtc-protocol.test.ts` checks every
 * struct's size and every member's name (the JSON key), offset, width and
 * kind against the layouts g++ gives Sierra Chart's current DTCProtocol.h
 * (tests/peers/dtc-header-layout.json, scripts/dtc-header-layout.mjs).
 */

/** Message types used by the workstation (DTCProtocol.h, "Message types"). */
export const DTC = {
  LOGON_REQUEST: 1,
  LOGON_RESPONSE: 2,
  HEARTBEAT: 3,
  LOGOFF: 5,
  ENCODING_REQUEST: 6,
  ENCODING_RESPONSE: 7,
  MARKET_DATA_FEED_STATUS: 100,
  MARKET_DATA_REQUEST: 101,
  MARKET_DEPTH_REQUEST: 102,
  MARKET_DATA_REJECT: 103,
  MARKET_DATA_SNAPSHOT: 104,
  MARKET_DEPTH_UPDATE_LEVEL: 106,
  MARKET_DATA_UPDATE_TRADE: 107,
  MARKET_DATA_UPDATE_BID_ASK: 108,
  MARKET_DATA_UPDATE_TRADE_COMPACT: 112,
  MARKET_DATA_FEED_SYMBOL_STATUS: 116,
  MARKET_DATA_UPDATE_BID_ASK_COMPACT: 117,
  MARKET_DEPTH_REJECT: 121,
  MARKET_DEPTH_SNAPSHOT_LEVEL: 122,
  MARKET_DATA_UPDATE_TRADE_WITH_UNBUNDLED_INDICATOR: 137,
  MARKET_DEPTH_UPDATE_LEVEL_FLOAT_WITH_MILLISECONDS: 140,
  MARKET_DEPTH_UPDATE_LEVEL_NO_TIMESTAMP: 141,
  MARKET_DATA_UPDATE_TRADE_NO_TIMESTAMP: 142,
  MARKET_DATA_UPDATE_BID_ASK_NO_TIMESTAMP: 143,
  MARKET_DATA_UPDATE_BID_ASK_FLOAT_WITH_MICROSECONDS: 144,
  MARKET_DATA_UPDATE_TRADE_WITH_UNBUNDLED_INDICATOR_2: 146,
  MARKET_DEPTH_SNAPSHOT_LEVEL_FLOAT: 145,
  SUBMIT_NEW_OCO_ORDER: 201,
  CANCEL_ORDER: 203,
  CANCEL_REPLACE_ORDER: 204,
  SUBMIT_NEW_SINGLE_ORDER: 208,
  OPEN_ORDERS_REQUEST: 300,
  ORDER_UPDATE: 301,
  OPEN_ORDERS_REJECT: 302,
  HISTORICAL_ORDER_FILLS_REQUEST: 303,
  HISTORICAL_ORDER_FILL_RESPONSE: 304,
  CURRENT_POSITIONS_REQUEST: 305,
  POSITION_UPDATE: 306,
  CURRENT_POSITIONS_REJECT: 307,
  HISTORICAL_ORDER_FILLS_REJECT: 308,
  TRADE_ACCOUNTS_REQUEST: 400,
  TRADE_ACCOUNT_RESPONSE: 401,
  ACCOUNT_BALANCE_UPDATE: 600,
  ACCOUNT_BALANCE_REQUEST: 601,
  ACCOUNT_BALANCE_REJECT: 602,
  USER_MESSAGE: 700,
} as const;

/**
 * Server messages the workstation knows and does not need (DTCProtocol.h):
 * the session's statistics (the workstation builds its own from the
 * trades), the last-trade snapshot (the stream follows it), a symbol's feed
 * status and a depth reject (depth is optional). Read past without a word;
 * any other type it does not read is counted and said once.
 */
export const IGNORED_TYPES: ReadonlySet<number> = new Set([
  113, // MARKET_DATA_UPDATE_SESSION_VOLUME
  114, // MARKET_DATA_UPDATE_SESSION_HIGH
  115, // MARKET_DATA_UPDATE_SESSION_LOW
  116, // MARKET_DATA_FEED_SYMBOL_STATUS
  119, // MARKET_DATA_UPDATE_SESSION_SETTLEMENT
  120, // MARKET_DATA_UPDATE_SESSION_OPEN
  121, // MARKET_DEPTH_REJECT
  124, // MARKET_DATA_UPDATE_OPEN_INTEREST
  134, // MARKET_DATA_UPDATE_LAST_TRADE_SNAPSHOT
  135, // MARKET_DATA_UPDATE_SESSION_NUM_TRADES
  136, // MARKET_DATA_UPDATE_TRADING_SESSION_DATE
]);

/** EncodingEnum. */
export const ENCODING = { BINARY: 0, JSON: 2 } as const;
export type DtcEncoding = 'binary' | 'json';
/** LogonStatusEnum. */
export const LOGON = { SUCCESS: 1, ERROR: 2, ERROR_NO_RECONNECT: 3, RECONNECT_NEW_ADDRESS: 4 } as const;
/** RequestActionEnum. */
export const REQUEST = { SUBSCRIBE: 1, UNSUBSCRIBE: 2, SNAPSHOT: 3 } as const;
/** MarketDepthUpdateTypeEnum. */
export const DEPTH_UPDATE = { INSERT_UPDATE: 1, DELETE: 2 } as const;
/** FinalUpdateInBatchEnum. */
export const FINAL_UPDATE = { UNSET: 0, TRUE: 1, FALSE: 2, BEGIN_BATCH: 3 } as const;
/** AtBidOrAskEnum (uint16) and AtBidOrAskEnum8: a trade at the bid is a sell aggressor. */
export const AT = { UNSET: 0, BID: 1, ASK: 2 } as const;
/** OrderTypeEnum. */
export const ORDER_TYPE = { MARKET: 1, LIMIT: 2, STOP: 3, STOP_LIMIT: 4 } as const;
/** BuySellEnum. */
export const BUY_SELL = { BUY: 1, SELL: 2 } as const;
/** TimeInForceEnum. */
export const TIF = { DAY: 1, GOOD_TILL_CANCELED: 2 } as const;
/** OrderStatusEnum. */
export const ORDER_STATUS = {
  UNSPECIFIED: 0,
  ORDER_SENT: 1,
  PENDING_OPEN: 2,
  PENDING_CHILD: 3,
  OPEN: 4,
  PENDING_CANCEL_REPLACE: 5,
  PENDING_CANCEL: 6,
  FILLED: 7,
  CANCELED: 8,
  REJECTED: 9,
  PARTIALLY_FILLED: 10,
} as const;
/** OrderUpdateReasonEnum. */
export const UPDATE_REASON = {
  OPEN_ORDERS_REQUEST_RESPONSE: 1,
  NEW_ORDER_ACCEPTED: 2,
  GENERAL_ORDER_UPDATE: 3,
  ORDER_FILLED: 4,
  ORDER_FILLED_PARTIALLY: 5,
  ORDER_CANCELED: 6,
  ORDER_CANCEL_REPLACE_COMPLETE: 7,
  NEW_ORDER_REJECTED: 8,
  ORDER_CANCEL_REJECTED: 9,
  ORDER_CANCEL_REPLACE_REJECTED: 10,
} as const;
/** MarketDataFeedStatusEnum. */
export const FEED = { UNAVAILABLE: 1, AVAILABLE: 2 } as const;
/** DBL_MAX / FLT_MAX: "unset" in price and quantity fields. */
export const DBL_MAX = Number.MAX_VALUE;
export const FLT_MAX = 3.4028234663852886e38;

/** `sN`: a NUL-padded char[N]. */
type FieldType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'i64' | 'u64' | 'f32' | 'f64' | `s${number}`;

/** One member of a message struct with its computed byte offset. */
export interface Field {
  readonly name: string;
  readonly type: FieldType;
  readonly offset: number;
  readonly bytes: number;
}

/** A message struct: its members, offsets and `sizeof`. */
export interface Layout {
  readonly type: number;
  readonly name: string;
  readonly size: number;
  readonly fields: readonly Field[];
}

const WIDTH: Record<string, number> = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, i64: 8, u64: 8, f32: 4, f64: 8 };

function widthOf(t: FieldType): number {
  return t.startsWith('s') ? Number(t.slice(1)) : (WIDTH[t] as number);
}

/** Lays a struct out as a C compiler does under `#pragma pack(pack)`. */
function struct(type: number, name: string, pack: 1 | 8, members: readonly (readonly [string, FieldType])[]): Layout {
  const all: (readonly [string, FieldType])[] = [['Size', 'u16'], ['Type', 'u16'], ...members];
  let at = 0;
  let maxAlign = 1;
  const fields: Field[] = [];
  for (const [n, t] of all) {
    const bytes = widthOf(t);
    const align = Math.min(pack, t.startsWith('s') ? 1 : bytes);
    maxAlign = Math.max(maxAlign, align);
    at = Math.ceil(at / align) * align;
    fields.push({ name: n, type: t, offset: at, bytes });
    at += bytes;
  }
  return { type, name, size: Math.ceil(at / maxAlign) * maxAlign, fields };
}

const SYMBOL = 's64';
const EXCHANGE = 's16';
const ORDER_ID = 's32';
const ACCOUNT = 's32';
const TEXT = 's96';
const FREE_TEXT = 's48';

/** Every message the workstation sends or reads, by type. */
export const LAYOUTS: ReadonlyMap<number, Layout> = new Map(
  [
    struct(DTC.ENCODING_REQUEST, 'EncodingRequest', 8, [['ProtocolVersion', 'i32'], ['Encoding', 'i32'], ['ProtocolType', 's4']]),
    struct(DTC.ENCODING_RESPONSE, 'EncodingResponse', 8, [['ProtocolVersion', 'i32'], ['Encoding', 'i32'], ['ProtocolType', 's4']]),
    struct(DTC.LOGON_REQUEST, 'LogonRequest', 8, [
      ['ProtocolVersion', 'i32'], ['Username', 's32'], ['Password', 's32'], ['GeneralTextData', 's64'], ['Integer_1', 'i32'], ['Integer_2', 'i32'],
      ['HeartbeatIntervalInSeconds', 'i32'], ['Unused1', 'i32'], ['TradeAccount', ACCOUNT], ['HardwareIdentifier', 's64'], ['ClientName', 's32'],
      ['MarketDataTransmissionInterval', 'i32'],
    ]),
    struct(DTC.LOGON_RESPONSE, 'LogonResponse', 8, [
      ['ProtocolVersion', 'i32'], ['Result', 'i32'], ['ResultText', TEXT], ['ReconnectAddress', 's64'], ['Integer_1', 'i32'], ['ServerName', 's60'],
      ['MarketDepthUpdatesBestBidAndAsk', 'u8'], ['TradingIsSupported', 'u8'], ['OCOOrdersSupported', 'u8'], ['OrderCancelReplaceSupported', 'u8'],
      ['SymbolExchangeDelimiter', 's4'], ['SecurityDefinitionsSupported', 'u8'], ['HistoricalPriceDataSupported', 'u8'],
      ['ResubscribeWhenMarketDataFeedAvailable', 'u8'], ['MarketDepthIsSupported', 'u8'], ['OneHistoricalPriceDataRequestPerConnection', 'u8'],
      ['BracketOrdersSupported', 'u8'], ['Unused_1', 'u8'], ['UsesMultiplePositionsPerSymbolAndTradeAccount', 'u8'], ['MarketDataSupported', 'u8'],
    ]),
    struct(DTC.LOGOFF, 'Logoff', 8, [['Reason', TEXT], ['DoNotReconnect', 'u8']]),
    struct(DTC.HEARTBEAT, 'Heartbeat', 8, [['NumDroppedMessages', 'u32'], ['CurrentDateTime', 'i64']]),
    struct(DTC.MARKET_DATA_FEED_STATUS, 'MarketDataFeedStatus', 8, [['Status', 'i32']]),
    struct(DTC.MARKET_DATA_FEED_SYMBOL_STATUS, 'MarketDataFeedSymbolStatus', 8, [['SymbolID', 'u32'], ['Status', 'i32']]),
    struct(DTC.MARKET_DATA_REQUEST, 'MarketDataRequest', 8, [['RequestAction', 'i32'], ['SymbolID', 'u32'], ['Symbol', SYMBOL], ['Exchange', EXCHANGE], ['IntervalForSnapshotUpdatesInMilliseconds', 'u32']]),
    struct(DTC.MARKET_DEPTH_REQUEST, 'MarketDepthRequest', 8, [['RequestAction', 'i32'], ['SymbolID', 'u32'], ['Symbol', SYMBOL], ['Exchange', EXCHANGE], ['NumLevels', 'i32']]),
    struct(DTC.MARKET_DATA_REJECT, 'MarketDataReject', 8, [['SymbolID', 'u32'], ['RejectText', TEXT]]),
    struct(DTC.MARKET_DEPTH_REJECT, 'MarketDepthReject', 8, [['SymbolID', 'u32'], ['RejectText', TEXT]]),
    struct(DTC.MARKET_DATA_SNAPSHOT, 'MarketDataSnapshot', 8, [
      ['SymbolID', 'u32'], ['SessionSettlementPrice', 'f64'], ['SessionOpenPrice', 'f64'], ['SessionHighPrice', 'f64'], ['SessionLowPrice', 'f64'],
      ['SessionVolume', 'f64'], ['SessionNumTrades', 'u32'], ['OpenInterest', 'u32'], ['BidPrice', 'f64'], ['AskPrice', 'f64'], ['AskQuantity', 'f64'],
      ['BidQuantity', 'f64'], ['LastTradePrice', 'f64'], ['LastTradeVolume', 'f64'], ['LastTradeDateTime', 'f64'], ['BidAskDateTime', 'f64'],
      ['SessionSettlementDateTime', 'u32'], ['TradingSessionDate', 'u32'], ['TradingStatus', 'i8'], ['MarketDepthUpdateDateTime', 'f64'],
    ]),
    struct(DTC.MARKET_DATA_UPDATE_TRADE, 'MarketDataUpdateTrade', 8, [['SymbolID', 'u32'], ['AtBidOrAsk', 'u16'], ['Price', 'f64'], ['Volume', 'f64'], ['DateTime', 'f64']]),
    struct(DTC.MARKET_DATA_UPDATE_TRADE_COMPACT, 'MarketDataUpdateTradeCompact', 8, [['Price', 'f32'], ['Volume', 'f32'], ['DateTime', 'u32'], ['SymbolID', 'u32'], ['AtBidOrAsk', 'u16']]),
    struct(DTC.MARKET_DATA_UPDATE_TRADE_WITH_UNBUNDLED_INDICATOR, 'MarketDataUpdateTradeWithUnbundledIndicator', 8, [
      ['SymbolID', 'u32'], ['AtBidOrAsk', 'u8'], ['UnbundledTradeIndicator', 'i8'], ['TradeCondition', 'u8'], ['Reserve_1', 'u8'], ['Reserve_2', 'u32'],
      ['Price', 'f64'], ['Volume', 'u32'], ['Reserve_3', 'u32'], ['DateTime', 'f64'],
    ]),
    // s_MarketDataUpdateTradeWithUnbundledIndicator2, pack(1): a float price and a µs time (t_DateTimeWithMicrosecondsInt).
    struct(DTC.MARKET_DATA_UPDATE_TRADE_WITH_UNBUNDLED_INDICATOR_2, 'MarketDataUpdateTradeWithUnbundledIndicator2', 1, [
      ['SymbolID', 'u32'], ['Price', 'f32'], ['Volume', 'u32'], ['DateTime', 'i64'], ['AtBidOrAsk', 'u8'], ['UnbundledTradeIndicator', 'i8'], ['TradeCondition', 'i8'],
    ]),
    struct(DTC.MARKET_DATA_UPDATE_TRADE_NO_TIMESTAMP, 'MarketDataUpdateTradeNoTimestamp', 1, [['SymbolID', 'u32'], ['Price', 'f32'], ['Volume', 'u32'], ['AtBidOrAsk', 'u8'], ['UnbundledTradeIndicator', 'i8'], ['TradeCondition', 'i8']]),
    struct(DTC.MARKET_DATA_UPDATE_BID_ASK, 'MarketDataUpdateBidAsk', 8, [['SymbolID', 'u32'], ['BidPrice', 'f64'], ['BidQuantity', 'f32'], ['AskPrice', 'f64'], ['AskQuantity', 'f32'], ['DateTime', 'u32']]),
    struct(DTC.MARKET_DATA_UPDATE_BID_ASK_COMPACT, 'MarketDataUpdateBidAskCompact', 8, [['BidPrice', 'f32'], ['BidQuantity', 'f32'], ['AskPrice', 'f32'], ['AskQuantity', 'f32'], ['DateTime', 'u32'], ['SymbolID', 'u32']]),
    // The current header: DateTime is t_DateTimeWithMicrosecondsInt (µs since 1970), pack(1).
    struct(DTC.MARKET_DATA_UPDATE_BID_ASK_FLOAT_WITH_MICROSECONDS, 'MarketDataUpdateBidAskFloatWithMicroseconds', 1, [
      ['SymbolID', 'u32'], ['BidPrice', 'f32'], ['BidQuantity', 'f32'], ['AskPrice', 'f32'], ['AskQuantity', 'f32'], ['DateTime', 'i64'],
    ]),
    struct(DTC.MARKET_DATA_UPDATE_BID_ASK_NO_TIMESTAMP, 'MarketDataUpdateBidAskNoTimeStamp', 1, [['SymbolID', 'u32'], ['BidPrice', 'f32'], ['BidQuantity', 'u32'], ['AskPrice', 'f32'], ['AskQuantity', 'u32']]),
    struct(DTC.MARKET_DEPTH_SNAPSHOT_LEVEL, 'MarketDepthSnapshotLevel', 8, [
      ['SymbolID', 'u32'], ['Side', 'u16'], ['Price', 'f64'], ['Quantity', 'f64'], ['Level', 'u16'], ['IsFirstMessageInBatch', 'u8'], ['IsLastMessageInBatch', 'u8'],
      ['DateTime', 'f64'], ['NumOrders', 'u32'],
    ]),
    struct(DTC.MARKET_DEPTH_SNAPSHOT_LEVEL_FLOAT, 'MarketDepthSnapshotLevelFloat', 1, [
      ['SymbolID', 'u32'], ['Price', 'f32'], ['Quantity', 'f32'], ['NumOrders', 'u32'], ['Level', 'u16'], ['Side', 'u8'], ['FinalUpdateInBatch', 'u8'],
    ]),
    struct(DTC.MARKET_DEPTH_UPDATE_LEVEL, 'MarketDepthUpdateLevel', 8, [
      ['SymbolID', 'u32'], ['Side', 'u16'], ['Price', 'f64'], ['Quantity', 'f64'], ['UpdateType', 'u8'], ['DateTime', 'f64'], ['NumOrders', 'u32'],
      ['FinalUpdateInBatch', 'u8'], ['Level', 'u16'],
    ]),
    struct(DTC.MARKET_DEPTH_UPDATE_LEVEL_FLOAT_WITH_MILLISECONDS, 'MarketDepthUpdateLevelFloatWithMilliseconds', 1, [
      ['SymbolID', 'u32'], ['DateTime', 'i64'], ['Price', 'f32'], ['Quantity', 'f32'], ['Side', 'u8'], ['UpdateType', 'u8'], ['NumOrders', 'u16'], ['FinalUpdateInBatch', 'u8'], ['Level', 'u16'],
    ]),
    struct(DTC.MARKET_DEPTH_UPDATE_LEVEL_NO_TIMESTAMP, 'MarketDepthUpdateLevelNoTimestamp', 1, [
      ['SymbolID', 'u32'], ['Price', 'f32'], ['Quantity', 'f32'], ['NumOrders', 'u16'], ['Side', 'i8'], ['UpdateType', 'i8'], ['FinalUpdateInBatch', 'u8'], ['Level', 'u16'],
    ]),
    struct(DTC.SUBMIT_NEW_SINGLE_ORDER, 'SubmitNewSingleOrder', 8, [
      ['Symbol', SYMBOL], ['Exchange', EXCHANGE], ['TradeAccount', ACCOUNT], ['ClientOrderID', ORDER_ID], ['OrderType', 'i32'], ['BuySell', 'i32'],
      ['Price1', 'f64'], ['Price2', 'f64'], ['Quantity', 'f64'], ['TimeInForce', 'i32'], ['GoodTillDateTime', 'i64'], ['IsAutomatedOrder', 'u8'],
      ['IsParentOrder', 'u8'], ['FreeFormText', FREE_TEXT], ['OpenOrClose', 'i32'], ['MaxShowQuantity', 'f64'],
      ['Price1AsString', 's16'], ['Price2AsString', 's16'], ['IntendedPositionQuantity', 'f64'],
    ]),
    struct(DTC.SUBMIT_NEW_OCO_ORDER, 'SubmitNewOCOOrder', 8, [
      ['Symbol', SYMBOL], ['Exchange', EXCHANGE],
      ['ClientOrderID_1', ORDER_ID], ['OrderType_1', 'i32'], ['BuySell_1', 'i32'], ['Price1_1', 'f64'], ['Price2_1', 'f64'], ['Quantity_1', 'f64'],
      ['ClientOrderID_2', ORDER_ID], ['OrderType_2', 'i32'], ['BuySell_2', 'i32'], ['Price1_2', 'f64'], ['Price2_2', 'f64'], ['Quantity_2', 'f64'],
      ['TimeInForce', 'i32'], ['GoodTillDateTime', 'i64'], ['TradeAccount', ACCOUNT], ['IsAutomatedOrder', 'u8'], ['ParentTriggerClientOrderID', ORDER_ID],
      ['FreeFormText', FREE_TEXT], ['OpenOrClose', 'i32'], ['PartialFillHandling', 'i8'], ['UseOffsets', 'u8'], ['OffsetFromParent1', 'f64'], ['OffsetFromParent2', 'f64'],
      ['MaintainSamePricesOnParentFill', 'u8'], ['Price1_1AsString', 's16'], ['Price2_1AsString', 's16'], ['Price1_2AsString', 's16'], ['Price2_2AsString', 's16'],
    ]),
    struct(DTC.CANCEL_ORDER, 'CancelOrder', 8, [['ServerOrderID', ORDER_ID], ['ClientOrderID', ORDER_ID], ['TradeAccount', ACCOUNT]]),
    struct(DTC.CANCEL_REPLACE_ORDER, 'CancelReplaceOrder', 8, [
      ['ServerOrderID', ORDER_ID], ['ClientOrderID', ORDER_ID], ['Price1', 'f64'], ['Price2', 'f64'], ['Quantity', 'f64'], ['Price1IsSet', 'u8'], ['Price2IsSet', 'u8'],
      ['Unused', 'i32'], ['TimeInForce', 'i32'], ['GoodTillDateTime', 'i64'], ['UpdatePrice1OffsetToParent', 'u8'], ['TradeAccount', ACCOUNT],
      ['Price1AsString', 's16'], ['Price2AsString', 's16'],
    ]),
    struct(DTC.OPEN_ORDERS_REQUEST, 'OpenOrdersRequest', 8, [['RequestID', 'i32'], ['RequestAllOrders', 'i32'], ['ServerOrderID', ORDER_ID], ['TradeAccount', ACCOUNT]]),
    struct(DTC.OPEN_ORDERS_REJECT, 'OpenOrdersReject', 8, [['RequestID', 'i32'], ['RejectText', TEXT]]),
    struct(DTC.ORDER_UPDATE, 'OrderUpdate', 8, [
      ['RequestID', 'i32'], ['TotalNumMessages', 'i32'], ['MessageNumber', 'i32'], ['Symbol', SYMBOL], ['Exchange', EXCHANGE], ['PreviousServerOrderID', ORDER_ID],
      ['ServerOrderID', ORDER_ID], ['ClientOrderID', ORDER_ID], ['ExchangeOrderID', ORDER_ID], ['OrderStatus', 'i32'], ['OrderUpdateReason', 'i32'], ['OrderType', 'i32'],
      ['BuySell', 'i32'], ['Price1', 'f64'], ['Price2', 'f64'], ['TimeInForce', 'i32'], ['GoodTillDateTime', 'i64'], ['OrderQuantity', 'f64'], ['FilledQuantity', 'f64'],
      ['RemainingQuantity', 'f64'], ['AverageFillPrice', 'f64'], ['LastFillPrice', 'f64'], ['LastFillDateTime', 'i64'], ['LastFillQuantity', 'f64'],
      ['LastFillExecutionID', 's64'], ['TradeAccount', ACCOUNT], ['InfoText', TEXT], ['NoOrders', 'u8'], ['ParentServerOrderID', ORDER_ID],
      ['OCOLinkedOrderServerOrderID', ORDER_ID], ['OpenOrClose', 'i32'], ['PreviousClientOrderID', ORDER_ID], ['FreeFormText', FREE_TEXT],
      ['OrderReceivedDateTime', 'i64'], ['LatestTransactionDateTime', 'f64'], ['Username', 's32'],
    ]),
    struct(DTC.HISTORICAL_ORDER_FILLS_REQUEST, 'HistoricalOrderFillsRequest', 8, [['RequestID', 'i32'], ['ServerOrderID', ORDER_ID], ['NumberOfDays', 'i32'], ['TradeAccount', ACCOUNT], ['StartDateTime', 'i64']]),
    struct(DTC.HISTORICAL_ORDER_FILLS_REJECT, 'HistoricalOrderFillsReject', 8, [['RequestID', 'i32'], ['RejectText', TEXT]]),
    struct(DTC.HISTORICAL_ORDER_FILL_RESPONSE, 'HistoricalOrderFillResponse', 8, [
      ['RequestID', 'i32'], ['TotalNumberMessages', 'i32'], ['MessageNumber', 'i32'], ['Symbol', SYMBOL], ['Exchange', EXCHANGE], ['ServerOrderID', ORDER_ID],
      ['BuySell', 'i32'], ['Price', 'f64'], ['DateTime', 'i64'], ['Quantity', 'f64'], ['UniqueExecutionID', 's64'], ['TradeAccount', ACCOUNT], ['OpenClose', 'i32'],
      ['NoOrderFills', 'u8'], ['InfoText', TEXT], ['HighPriceDuringPosition', 'f64'], ['LowPriceDuringPosition', 'f64'], ['PositionQuantity', 'f64'],
      ['Username', 's32'], ['ExchangeOrderID', ORDER_ID], ['SenderSubID', 's32'],
    ]),
    struct(DTC.CURRENT_POSITIONS_REQUEST, 'CurrentPositionsRequest', 8, [['RequestID', 'i32'], ['TradeAccount', ACCOUNT]]),
    struct(DTC.CURRENT_POSITIONS_REJECT, 'CurrentPositionsReject', 8, [['RequestID', 'i32'], ['RejectText', TEXT]]),
    struct(DTC.POSITION_UPDATE, 'PositionUpdate', 8, [
      ['RequestID', 'i32'], ['TotalNumberMessages', 'i32'], ['MessageNumber', 'i32'], ['Symbol', SYMBOL], ['Exchange', EXCHANGE], ['Quantity', 'f64'],
      ['AveragePrice', 'f64'], ['PositionIdentifier', ORDER_ID], ['TradeAccount', ACCOUNT], ['NoPositions', 'u8'], ['Unsolicited', 'u8'],
      ['MarginRequirement', 'f64'], ['EntryDateTime', 'u32'], ['OpenProfitLoss', 'f64'], ['HighPriceDuringPosition', 'f64'], ['LowPriceDuringPosition', 'f64'],
      ['QuantityLimit', 'f64'], ['MaxPotentialPostionQuantity', 'f64'],
    ]),
    struct(DTC.TRADE_ACCOUNTS_REQUEST, 'TradeAccountsRequest', 8, [['RequestID', 'i32']]),
    struct(DTC.TRADE_ACCOUNT_RESPONSE, 'TradeAccountResponse', 8, [['TotalNumberMessages', 'i32'], ['MessageNumber', 'i32'], ['TradeAccount', ACCOUNT], ['RequestID', 'i32'], ['TradingIsDisabled', 'i32']]),
    struct(DTC.ACCOUNT_BALANCE_REQUEST, 'AccountBalanceRequest', 8, [['RequestID', 'i32'], ['TradeAccount', ACCOUNT]]),
    struct(DTC.ACCOUNT_BALANCE_REJECT, 'AccountBalanceReject', 8, [['RequestID', 'i32'], ['RejectText', TEXT]]),
    struct(DTC.ACCOUNT_BALANCE_UPDATE, 'AccountBalanceUpdate', 8, [
      ['RequestID', 'i32'], ['CashBalance', 'f64'], ['BalanceAvailableForNewPositions', 'f64'], ['AccountCurrency', 's8'], ['TradeAccount', ACCOUNT],
      ['SecuritiesValue', 'f64'], ['MarginRequirement', 'f64'], ['TotalNumberMessages', 'i32'], ['MessageNumber', 'i32'], ['NoAccountBalances', 'u8'],
      ['Unsolicited', 'u8'], ['OpenPositionsProfitLoss', 'f64'], ['DailyProfitLoss', 'f64'], ['InfoText', TEXT], ['TransactionIdentifier', 'u64'],
      ['DailyNetLossLimit', 'f64'], ['TrailingAccountValueToLimitPositions', 'f64'], ['DailyNetLossLimitReached', 'u8'], ['IsUnderRequiredMargin', 'u8'],
      ['ClosePositionsAtEndOfDay', 'u8'], ['TradingIsDisabled', 'u8'], ['Description', TEXT], ['IsUnderRequiredAccountValue', 'u8'], ['TransactionDateTime', 'i64'],
      ['MarginRequirementFull', 'f64'], ['MarginRequirementFullPositionsOnly', 'f64'], ['PeakMarginRequirement', 'f64'], ['IntroducingBroker', 's32'],
      ['OpenPositionsProfitLossBasedOnSettlementPrice', 'f64'], ['LastOrderActivityDateTime', 'i64'],
    ]),
    struct(DTC.USER_MESSAGE, 'UserMessage', 8, [['UserMessage', 's256'], ['IsPopupMessage', 'u8']]),
  ].map((l) => [l.type, l] as const),
);

/** A decoded message: its type and its members by name (strings for char arrays, numbers otherwise). */
export interface DtcMessage {
  readonly Type: number;
  readonly [field: string]: number | string;
}

/** A message that cannot be read; names what is wrong. */
export class DtcProtocolError extends Error {
  override readonly name = 'DtcProtocolError';
}

/**
 * The binary image of a message. Members not given are zero, as after the
 * struct's `memset`; give the header's non-zero defaults (DBL_MAX "unset"
 * prices) explicitly.
 * @throws DtcProtocolError for a type this codec does not know.
 */
export function encodeBinary(type: number, values: Readonly<Record<string, number | string>>): Buffer {
  const l = LAYOUTS.get(type);
  if (l === undefined) throw new DtcProtocolError(`DTC message type ${type} is not supported`);
  const buf = Buffer.alloc(l.size);
  for (const f of l.fields) {
    const v = f.name === 'Size' ? l.size : f.name === 'Type' ? type : values[f.name];
    if (v === undefined) continue;
    write(buf, f, v);
  }
  return buf;
}

function write(buf: Buffer, f: Field, v: number | string): void {
  const o = f.offset;
  if (f.type.startsWith('s')) {
    buf.write(String(v).slice(0, f.bytes - 1), o, f.bytes - 1, 'utf8');
    return;
  }
  const n = Number(v);
  switch (f.type) {
    case 'u8': buf.writeUInt8(n & 0xff, o); break;
    case 'i8': buf.writeInt8(n, o); break;
    case 'u16': buf.writeUInt16LE(n, o); break;
    case 'i16': buf.writeInt16LE(n, o); break;
    case 'u32': buf.writeUInt32LE(n >>> 0, o); break;
    case 'i32': buf.writeInt32LE(n, o); break;
    case 'i64': buf.writeBigInt64LE(BigInt(Math.trunc(n)), o); break;
    case 'u64': buf.writeBigUInt64LE(BigInt(Math.max(0, Math.trunc(n))), o); break;
    case 'f32': buf.writeFloatLE(n, o); break;
    case 'f64': buf.writeDoubleLE(n, o); break;
  }
}

function read(buf: Buffer, f: Field): number | string {
  const o = f.offset;
  if (f.type.startsWith('s')) {
    const end = buf.indexOf(0, o);
    return buf.toString('utf8', o, end === -1 || end > o + f.bytes ? o + f.bytes : end);
  }
  switch (f.type) {
    case 'u8': return buf.readUInt8(o);
    case 'i8': return buf.readInt8(o);
    case 'u16': return buf.readUInt16LE(o);
    case 'i16': return buf.readInt16LE(o);
    case 'u32': return buf.readUInt32LE(o);
    case 'i32': return buf.readInt32LE(o);
    case 'i64': return Number(buf.readBigInt64LE(o));
    case 'u64': return Number(buf.readBigUInt64LE(o));
    case 'f32': return buf.readFloatLE(o);
    default: return buf.readDoubleLE(o);
  }
}

/**
 * Reads one binary message (`buf` holds exactly `Size` bytes). Members past a
 * shorter message's end are absent; bytes past the members known are ignored.
 * Returns null for a type this codec does not read (the caller skips it).
 */
export function decodeBinary(buf: Buffer): DtcMessage | null {
  const type = buf.readUInt16LE(2);
  const l = LAYOUTS.get(type);
  // A type this codec has no layout for: only its type, for the client to count and say (never skipped in silence).
  if (l === undefined) return { Type: type } as DtcMessage;
  const m: Record<string, number | string> = { Type: type };
  for (const f of l.fields) {
    if (f.name === 'Size' || f.name === 'Type') continue;
    if (f.offset + f.bytes > buf.length) break;
    m[f.name] = read(buf, f);
  }
  return m as DtcMessage;
}

/** The JSON encoding of a message: the object and its NUL terminator. */
export function encodeJson(type: number, values: Readonly<Record<string, number | string>>): Buffer {
  return Buffer.from(`${JSON.stringify({ Type: type, ...values })}\0`, 'utf8');
}

/**
 * Reads one JSON message (without its NUL).
 * @throws DtcProtocolError when the text is not a JSON object with a numeric Type.
 */
export function decodeJson(text: string): DtcMessage {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new DtcProtocolError(`malformed JSON message (${(e as Error).message}): ${text.slice(0, 80)}`);
  }
  if (typeof v !== 'object' || v === null || typeof (v as { Type?: unknown }).Type !== 'number') {
    throw new DtcProtocolError(`JSON message without a numeric "Type": ${text.slice(0, 80)}`);
  }
  return v as DtcMessage;
}

/** Smallest binary message: its own Size and Type fields (4 bytes); a smaller Size means the stream lost its frame. */
const MIN_BINARY_SIZE = 4;

/**
 * The most bytes a message may hold before it is complete: a binary DTC
 * message cannot exceed 65,535 (its uint16 Size); a JSON one has no length
 * and ends at its NUL, so a server that never sends the NUL is cut off here.
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Splits a byte stream into messages of the current encoding. Bytes of a
 * message not yet complete wait for the next chunk. A malformed message is
 * reported through `onError` and skipped; the stream goes on. A stream that
 * lost its framing (a binary Size under 4, or more than MAX_MESSAGE_BYTES
 * without a whole message) cannot be trusted again: `onLost` is told, and the
 * connection must be opened afresh (DTC has no resynchronisation marker).
 */
export class DtcFramer {
  private pending: Buffer = Buffer.alloc(0);
  encoding: DtcEncoding = 'binary';

  private lost = false;

  constructor(
    private readonly onMessage: (m: DtcMessage) => void,
    private readonly onError: (e: DtcProtocolError) => void,
    private readonly onLost: (e: DtcProtocolError) => void = onError,
  ) {}

  /** Bytes buffered but not yet a whole message (a truncated message waits here). */
  get buffered(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): void {
    if (this.lost) return;
    if (this.pending.length + chunk.length > MAX_MESSAGE_BYTES && this.wholeMessageAt(chunk) === -1) {
      this.lose(new DtcProtocolError(`more than ${MAX_MESSAGE_BYTES} bytes without a whole ${this.encoding} message: the stream lost its framing`));
      return;
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let at = 0;
    const buf = this.pending;
    while (at < buf.length) {
      if (this.encoding === 'json') {
        const end = buf.indexOf(0, at);
        if (end === -1) break;
        const text = buf.toString('utf8', at, end);
        at = end + 1;
        if (text.trim() === '') continue;
        try {
          this.onMessage(decodeJson(text));
        } catch (e) {
          this.onError(e instanceof DtcProtocolError ? e : new DtcProtocolError(String(e)));
        }
        continue;
      }
      if (buf.length - at < MIN_BINARY_SIZE) break;
      const size = buf.readUInt16LE(at);
      if (size < MIN_BINARY_SIZE) {
        // A Size under the header's own 4 bytes cannot be skipped safely: the stream has lost its frame.
        this.lose(new DtcProtocolError(`binary message with Size ${size} (under 4 bytes): the stream lost its framing`));
        return;
      }
      if (buf.length - at < size) break;
      const frame = buf.subarray(at, at + size);
      at += size;
      // The encoding response switches the stream: what follows it is in the agreed encoding.
      let m: DtcMessage | null;
      try {
        m = decodeBinary(frame);
      } catch (e) {
        this.onError(new DtcProtocolError(`binary message type ${frame.readUInt16LE(2)} of ${size} bytes could not be read: ${(e as Error).message}`));
        continue;
      }
      if (m === null) continue;
      this.onMessage(m);
    }
    this.pending = at >= buf.length ? Buffer.alloc(0) : buf.subarray(at);
  }

  private lose(e: DtcProtocolError): void {
    this.lost = true;
    this.pending = Buffer.alloc(0);
    this.onLost(e);
  }

  /** Where a JSON message ends in `chunk` (its NUL), -1 for none or binary (whose Size bounds it already). */
  private wholeMessageAt(chunk: Buffer): number {
    return this.encoding === 'json' ? chunk.indexOf(0) : -1;
  }
}
