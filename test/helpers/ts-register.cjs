'use strict';
// Lets plain `node` run the repository's TypeScript, for tests that spawn product processes
// (a worker, `npm start`, the embedded Postgres) outside jest's module runtime:
//
//   node --require ./test/helpers/ts-register.cjs src/bin/start-worker.ts
//   NODE_OPTIONS="--require /abs/path/test/helpers/ts-register.cjs" node some-script.cjs
//
// Each .ts file is transpiled on require by @swc/core with the same settings jest uses
// (CommonJS, es2022, inline source maps); there is no type checking, `tsc --noEmit` does that.
// Registering '.ts' in Module._extensions also makes extensionless requires (`require('./config')`,
// `require('../activities')` → index.ts) resolve to .ts files.

const fs = require('node:fs');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

process.setSourceMapsEnabled(true);

Module._extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    swcrc: false,
    configFile: false,
    sourceMaps: 'inline',
    module: { type: 'commonjs' },
    jsc: { target: 'es2022', parser: { syntax: 'typescript', tsx: false } },
  });
  module._compile(code, filename);
};
