/**
 * The error an EngineApi call raises: a `kind` the renderer can act on
 * (contract.ts `EngineErrorKind`) beside the message. How any thrown value
 * crosses the wire as `{name, message, kind}` is engine/rpc/serve.ts's
 * `toErrorDTO`.
 */
import type { EngineErrorKind } from './contract.js';

/** An error raised by an EngineApi call. */
export class EngineError extends Error {
  readonly kind: EngineErrorKind;
  constructor(kind: EngineErrorKind, message: string) {
    super(message);
    this.name = 'EngineError';
    this.kind = kind;
  }
}
