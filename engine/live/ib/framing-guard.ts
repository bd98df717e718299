/**
 * A guard on @stoqey/ib's message framing (issue 16, item 19). TWS API v100+
 * frames each message with a 4-byte big-endian length. @stoqey/ib 1.x's
 * `Socket.onData` (dist/core/io/socket.js) loops `while (buffer.length > 4)`
 * taking `4 + length` bytes: a length of -4 takes none and leaves the buffer
 * as it was, so the engine spins at 100% CPU forever; other negative
 * lengths mis-slice the stream. TWS's own client (ibapi's `read_msg`) reads
 * the length as an unsigned size. Until the library checks it (to report
 * upstream), this wraps its `onData` once: every length prefix in the
 * buffered bytes is checked first, and a negative one, or one over the
 * library's own 16 MiB limit, is a protocol error that drops the connection
 * (the client reconnects and reconciles) instead of a hang.
 */
import { Socket } from '@stoqey/ib/dist/core/io/socket.js';

/** @stoqey/ib's own limit on one message (MAX_V100_MESSAGE_LENGTH). */
const MAX_MESSAGE_BYTES = 0xffffff;

interface LibSocket {
  useV100Plus: boolean;
  _v100MessageBuffer: Buffer;
  controller: { emitError(message: string, code: number): void };
  onData(data: Buffer): void;
  disconnect(): void;
}

/** @stoqey/ib's ErrorCode.BAD_LENGTH, as the API's own clients report a bad length. */
export const IB_BAD_LENGTH = 507;

let installed = false;

/** Wraps @stoqey/ib's Socket.prototype.onData with the length check (idempotent). */
export function guardIbFraming(): void {
  if (installed) return;
  installed = true;
  const proto = (Socket as unknown as { prototype: LibSocket }).prototype;
  const onData = proto.onData;
  proto.onData = function (this: LibSocket, data: Buffer): void {
    if (this.useV100Plus) {
      const bytes = this._v100MessageBuffer.length === 0 ? data : Buffer.concat([this._v100MessageBuffer, data]);
      for (let at = 0; bytes.length - at >= 4; ) {
        const size = bytes.readInt32BE(at);
        if (size < 0 || size > MAX_MESSAGE_BYTES) {
          this._v100MessageBuffer = Buffer.alloc(0);
          this.controller.emitError(`TWS sent a message length of ${size} bytes: the stream lost its framing`, IB_BAD_LENGTH);
          this.disconnect();
          return;
        }
        if (bytes.length - at - 4 < size) break;
        at += 4 + size;
      }
    }
    onData.call(this, data);
  };
}
