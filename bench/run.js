'use strict'
// `npm run bench` (full) or `npm run bench -- --quick` (short, for CI: it
// checks nothing about speed, it only proves the benchmarks run).
const { table, QUICK } = require('./lib')
const { sample, reportPlacement } = require('./placement')

async function main() {
  console.log(`isothread benchmarks${QUICK ? ' (quick mode)' : ''} — ratios against peers measured in this run\n`)
  for (const section of ['thread', 'pool', 'service', 'shared', 'payloads', 'runtime', 'host', 'churn']) {
    await sample(section)
    await require(`./${section}`)()
  }
  await sample('end')
  reportPlacement()
  console.log('\n' + table())
}

main().catch((err) => { console.error(err); process.exit(1) })
