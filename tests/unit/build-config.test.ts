/**
 * The installer's configuration (issue 16, item 13) against electron-builder's
 * own schema (app-builder-lib's scheme.json, not ours): it is valid, and the
 * Electron fuses that keep the installed binary from being run as a plain
 * Node (ELECTRON_RUN_AS_NODE, NODE_OPTIONS, --inspect) or loading an app from
 * outside its checked asar are set.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/paths';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const Ajv = require('ajv') as new (o: object) => { compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown[] } };

const config = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;

describe('electron-builder.yml', () => {
  it('is valid for electron-builder’s own schema', () => {
    const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const ok = validate(config);
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
    expect(ok).toBe(true);
    // The schema is strict: a misspelt key (say a fuse under the wrong name) would fail.
    expect(validate({ ...config, electronFuse: { runAsNode: false } })).toBe(false);
  });

  it('sets the fuses: no run-as-node, no NODE_OPTIONS or --inspect, the app only from its checked asar', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });
});
