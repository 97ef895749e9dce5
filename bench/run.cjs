/* Runs a TypeScript benchmark without ts-node, transpiling on load: node bench/run.cjs <file.ts> [args…] */
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports */
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

require.extensions['.ts'] = function (module, filename) {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true }
  });
  module._compile(out.outputText, filename);
};

const file = process.argv[2];
if (!file || !file.endsWith('.ts')) {
  console.error('usage: node bench/run.cjs <benchmark.ts> [args…]');
  process.exit(2);
}
require(path.resolve(file));
