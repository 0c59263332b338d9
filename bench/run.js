'use strict'
// `npm run bench` (full) or `npm run bench -- --quick` (short, for CI: it
// checks nothing about speed, it only proves the benchmarks run).
const { table, QUICK } = require('./lib')

async function main() {
  console.log(`isothread benchmarks${QUICK ? ' (quick mode)' : ''} — ratios against peers measured in this run\n`)
  await require('./thread')()
  await require('./pool')()
  await require('./service')()
  await require('./shared')()
  await require('./payloads')()
  await require('./runtime')()
  await require('./host')()
  await require('./churn')()
  console.log('\n' + table())
}

main().catch((err) => { console.error(err); process.exit(1) })
