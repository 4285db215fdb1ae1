import fs from 'node:fs';
import path from 'node:path';
import type { BenchResults } from './report';
import { writePlot } from './report-plot';

// Draws the plot of a results JSON again, without running the bench (after a change to the charts,
// or for a run kept in tools/bench/results):
//
//   node --require ./test/helpers/ts-register.cjs tools/bench/plot.ts tools/bench/results/default.json [out.svg]
//
// Without an output path the plot goes next to the results as plot-<name>.svg.

function main(args: string[]): number {
  const [input, output] = args;
  if (input === undefined || args.length > 2) {
    process.stderr.write('usage: tools/bench/plot.ts <results.json> [<plot.svg>]\n');
    return 2;
  }
  const results = JSON.parse(fs.readFileSync(input, 'utf8')) as BenchResults;
  const file = output ?? path.join(path.dirname(input), `plot-${path.basename(input, '.json')}.svg`);
  const written = writePlot(results, file);
  process.stdout.write(written === undefined ? `${input}: nothing to plot\n` : `plot: ${written}\n`);
  return written === undefined ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
