#!/usr/bin/env node
/**
 * Writes tests/peers/dtc-header-layout.json: the byte layout of every DTC
 * message struct of a `DTCProtocol.h`, as a C++ compiler lays it out, so the
 * tests can check the DTC peer and the client against Sierra Chart's own
 * header without the header being in the repository (issue 17, item 4).
 *
 *   node scripts/dtc-header-layout.mjs <path/to/DTCProtocol.h> [out.json]
 *
 * How: the struct names and their member names are read from the header's
 * text (every `struct s_X` with a `MESSAGE_TYPE`, and its data members:
 * declarations without parentheses); a generated C++ program includes the
 * header and prints, for each, `MESSAGE_TYPE`, `sizeof` and each member's
 * `offsetof`, `sizeof` and kind (from the type traits: char array, floating,
 * signed or unsigned integer, an enum by its underlying type). Offsets and
 * sizes are the compiler's (g++, x86-64; `#pragma pack` as the header says),
 * never computed here. Needs g++.
 *
 * The output holds facts about the header (names, numbers), none of its code.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [headerArg, outArg] = process.argv.slice(2);
if (headerArg === undefined) {
  console.error('usage: node scripts/dtc-header-layout.mjs <path/to/DTCProtocol.h> [out.json]');
  process.exit(2);
}
const header = resolve(headerArg);
const out = resolve(outArg ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'peers', 'dtc-header-layout.json'));
const text = readFileSync(header, 'utf8');

/** struct name -> its data members, in declaration order. */
const structs = new Map();
const lines = text.split(/\r?\n/);
for (let i = 0; i < lines.length; i++) {
  const head = /^\s*struct\s+(s_\w+)\s*(?:\{\s*)?(?:\/\/.*)?$/.exec(lines[i] ?? '');
  if (head === null) continue;
  let depth = 0;
  let typed = false;
  const members = [];
  for (let j = i + 1; j < lines.length; j++) {
    const line = (lines[j] ?? '').replace(/\/\/.*$/, '');
    if (line.includes('{')) depth += (line.match(/\{/g) ?? []).length;
    if (line.includes('}')) depth -= (line.match(/\}/g) ?? []).length;
    if (depth === 1 && /static\s+constexpr\s+uint16_t\s+MESSAGE_TYPE/.test(line)) typed = true;
    // A data member: `type Name[N] = init;` (the initializer may call sizeof; a method has parentheses before any `=`).
    const decl = line.replace(/=[^;]*;/, ';');
    const m = depth === 1 && !decl.includes('(') && !/\bstatic\b/.test(decl) ? /^\s*(?:[\w:]+\s+)+?(\w+)\s*(?:\[[^\]]+\])?\s*;\s*$/.exec(decl) : null;
    if (m !== null) members.push(m[1]);
    if (depth <= 0 && line.includes('}')) break;
  }
  if (typed) structs.set(head[1], members);
}
if (structs.size === 0) throw new Error(`${header}: no struct with a MESSAGE_TYPE found`);

const cpp = [
  '#include <cstddef>',
  '#include <cstdio>',
  '#include <type_traits>',
  `#include "${basename(header)}"`,
  'template <typename T> const char* kind() {',
  '  using U = std::remove_cv_t<T>;',
  '  if constexpr (std::is_array_v<U>) return "s";',
  '  else if constexpr (std::is_floating_point_v<U>) return "f";',
  '  else if constexpr (std::is_enum_v<U>) return std::is_signed_v<std::underlying_type_t<U>> ? "i" : "u";',
  '  else return std::is_signed_v<U> ? "i" : "u";',
  '}',
  '#define M(S, m) std::printf("%s[\\"%s\\",%zu,%zu,\\"%s\\"]", first ? "" : ",", #m, offsetof(DTC::S, m), sizeof(((DTC::S*)nullptr)->m), kind<decltype(DTC::S::m)>()); first = false;',
  'int main() {',
  '  bool first;',
  '  std::printf("[");',
];
let n = 0;
for (const [name, members] of structs) {
  cpp.push(`  std::printf("%s{\\"struct\\":\\"${name}\\",\\"type\\":%d,\\"size\\":%zu,\\"members\\":[", ${n === 0 ? '""' : '","'}, (int)DTC::${name}::MESSAGE_TYPE, sizeof(DTC::${name}));`);
  cpp.push('  first = true;');
  for (const m of members) cpp.push(`  M(${name}, ${m})`);
  cpp.push('  std::printf("]}");');
  n += 1;
}
cpp.push('  std::printf("]");', '  return 0;', '}');

const dir = mkdtempSync(join(tmpdir(), 'dtc-layout-'));
try {
  writeFileSync(join(dir, 'layout.cpp'), cpp.join('\n'));
  execFileSync('g++', ['-std=c++17', '-Wno-invalid-offsetof', '-I', dirname(header), join(dir, 'layout.cpp'), '-o', join(dir, 'layout')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const rows = JSON.parse(execFileSync(join(dir, 'layout'), { encoding: 'utf8' }));
  const version = /CURRENT_VERSION\s*=\s*(\d+)/.exec(text)?.[1] ?? null;
  const doc = {
    about: 'Byte layouts of the DTC message structs of Sierra Chart\'s DTCProtocol.h, as g++ (x86-64) lays them out; made by scripts/dtc-header-layout.mjs. Members: [name, offset, bytes, kind: s char array, f floating, i signed, u unsigned].',
    source: process.env.DTC_HEADER_SOURCE ?? basename(header),
    protocolVersion: version === null ? null : Number(version),
    structs: rows.map((r) => ({ struct: r.struct, type: r.type, size: r.size, members: r.members })),
  };
  writeFileSync(out, `${JSON.stringify(doc, null, 1).replace(/\[\n\s+("[^"]+"),\n\s+(\d+),\n\s+(\d+),\n\s+("[a-z]")\n\s+\]/g, '[$1, $2, $3, $4]')}\n`);
  console.log(`${out}: ${rows.length} structs, ${rows.reduce((s, r) => s + r.members.length, 0)} members (protocol version ${version ?? '?'})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
