/* Dev/test only: runs a TypeScript entry in a worker_threads Worker (workerData.tsEntry) or in a child
 * process (TUNELAB_TS_ENTRY in its environment) by transpiling .ts files on require with
 * typescript.transpileModule (no ts-node). Production bundles each entry with esbuild instead. */
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

// A worker thread names its entry in workerData; a child process (the encoder streams) in its environment.
require((workerData && workerData.tsEntry) || process.env.TUNELAB_TS_ENTRY);
