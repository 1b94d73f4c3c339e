// compile.js compiles every Solidity source under src/ with the solc pinned
// in package-lock.json (standard JSON input, fixed settings) and writes, for
// each deployable contract listed in BOUND, <Name>.abi and <Name>.bin, plus
// combined.json (solc's combined-json shape, which abigen reads) into the
// directory given as the first argument. Run it through build.sh.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const BOUND = ['QuadrantBlobstream', 'ValidiumExample'];

function listSources(dir) {
  const out = [];
  for (const e of fs.readdirSync(path.join(__dirname, dir), { withFileTypes: true })) {
    const rel = dir + '/' + e.name;
    if (e.isDirectory()) out.push(...listSources(rel));
    else if (e.name.endsWith('.sol')) out.push(rel);
  }
  return out.sort();
}

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node compile.js OUTDIR');
  process.exit(2);
}

const sources = {};
for (const f of listSources('src')) {
  sources[f] = { content: fs.readFileSync(path.join(__dirname, f), 'utf8') };
}
const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.methodIdentifiers'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
let failed = false;
for (const e of output.errors || []) {
  console.error(e.formattedMessage);
  // Warnings fail the build too: the sources are kept warning-free.
  failed = true;
}
if (failed) process.exit(1);

fs.mkdirSync(outDir, { recursive: true });
const combined = { contracts: {}, version: solc.version() };
for (const file of Object.keys(output.contracts).sort()) {
  for (const name of Object.keys(output.contracts[file]).sort()) {
    if (!BOUND.includes(name)) continue;
    const c = output.contracts[file][name];
    fs.writeFileSync(path.join(outDir, name + '.abi'), JSON.stringify(c.abi, null, 2) + '\n');
    fs.writeFileSync(path.join(outDir, name + '.bin'), c.evm.bytecode.object + '\n');
    combined.contracts[file + ':' + name] = {
      abi: c.abi,
      bin: c.evm.bytecode.object,
      hashes: c.evm.methodIdentifiers,
    };
  }
}
for (const name of BOUND) {
  if (!Object.keys(combined.contracts).some((k) => k.endsWith(':' + name))) {
    console.error('contract ' + name + ' not found in the sources');
    process.exit(1);
  }
}
fs.writeFileSync(path.join(outDir, 'combined.json'), JSON.stringify(combined, null, 2) + '\n');
