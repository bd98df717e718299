// Dependency rules of engine/ (architecture.md, "Layout": no import loops;
// nothing imports a higher layer). `npm test` runs them: npx depcruise engine.
// LAYERS lists engine's folders (and top-level files) from the bottom up; a
// module may import its own layer and those below it, never one above.
/* global module */
const LAYERS = [
  ['domain', 'clock', 'scheduler', 'contract', 'errors', 'bus', 'host'],
  ['time', 'bars', 'book'],
  ['feeds', 'indicators', 'gamma'],
  ['pipeline'],
  ['method'],
  ['venue', 'risk', 'perf'],
  ['portfolio'],
  ['execution'],
  ['dto'],
  ['store'],
  ['live'],
  ['run'],
  ['api', 'settings', 'research'],
  ['kernel'],
  ['rpc', 'cli', 'bench', 'main'],
];

/** `engine/<name>/...` or `engine/<name>.ts` as a path pattern. */
const unit = (name) => `^engine/${name}(/|\\.ts$)`;

const layerRules = LAYERS.flatMap((layer, i) => {
  const above = LAYERS.slice(i + 1).flat();
  if (above.length === 0) return [];
  return [
    {
      name: `layer-${layer.join('+')}`,
      severity: 'error',
      comment: `${layer.join(', ')} may not import a higher layer (${above.join(', ')})`,
      from: { path: layer.map(unit).join('|') },
      to: { path: above.map(unit).join('|') },
    },
  ];
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No import loops in the engine.', from: { path: '^engine/' }, to: { circular: true } },
    { name: 'known-layer', severity: 'error', comment: 'Every engine folder has a layer in .dependency-cruiser.cjs.', from: { path: '^engine/', pathNot: LAYERS.flat().map(unit).join('|') }, to: {} },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
