/** Process entry of the `mia` command (bin/mia.cjs loads the bundle of this file). */
import { main } from './mia.js';

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
