// ESM entry: named exports of the CommonJS build.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const lib = require('./lib/index.js')

export const { Thread, ThreadPool, notify, realSharedArrayBuffers, codes } = lib
export default lib
