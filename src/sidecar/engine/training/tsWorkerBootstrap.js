/* Dev/test only: runs a TypeScript worker entry (workerData.tsEntry) in a worker_threads Worker by
 * transpiling .ts files on require with typescript.transpileModule (no ts-node). Production bundles the
 * worker with esbuild instead. */
'use strict';
const fs = require('fs');
const ts = require('typescript');
const { workerData } = require('worker_threads');

require.extensions['.ts'] = function (module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const out = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      sourceMap: false
    }
  });
  module._compile(out.outputText, filename);
};

require(workerData.tsEntry);
