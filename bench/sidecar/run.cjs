/* Runs a TypeScript bench file with typescript.transpileModule (no ts-node): node bench/engine/run.cjs [file.ts] */
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
const file = process.argv[2] && process.argv[2].endsWith('.ts') ? process.argv[2] : path.join(__dirname, 'latency.ts');
require(path.resolve(file));
