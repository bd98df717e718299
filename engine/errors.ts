/**
 * The engine's errors as the renderer sees them: a `kind` it can act on
 * (contract.ts `EngineErrorKind`) beside the message.
 */
import type { EngineErrorDTO, EngineErrorKind } from './contract.js';
import { FeedError } from './feeds/rejections.js';

/** An error raised by an EngineApi call. */
export class EngineError extends Error {
  readonly kind: EngineErrorKind;
  constructor(kind: EngineErrorKind, message: string) {
    super(message);
    this.name = 'EngineError';
    this.kind = kind;
  }
}

/** The wire form of any thrown value: `{name, message, kind}`. */
export function toErrorDTO(e: unknown): EngineErrorDTO {
  if (e instanceof EngineError) return { name: e.name, message: e.message, kind: e.kind };
  if (e instanceof FeedError) return { name: e.name, message: e.message, kind: 'bad-file' };
  if (e instanceof Error) return { name: e.name, message: e.message, kind: 'internal' };
  return { name: 'Error', message: String(e), kind: 'internal' };
}
