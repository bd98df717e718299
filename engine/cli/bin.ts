/** Process entry of the `mia` command (bin/mia.cjs loads the bundle of this file). */
import { main } from './mia.js';

// `mia inspect file | head`: the reader has what it wanted and closed the pipe. Stop quietly, as a Unix
// tool stopped by SIGPIPE does, instead of an EPIPE stack trace (issue 16).
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
