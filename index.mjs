// ESM entry: named exports of the CommonJS build.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const lib = require('./lib/index.js')

export const { Thread, ThreadPool, define, Messenger, ServiceCluster, ThreadsManager, ThreadManager, pool, ConcurrencyOption, notify, buffer, lock, unlock, spawn, realSharedArrayBuffers, codes } = lib
/** spawn() under its seed library's name (`async` cannot be a binding name). */
export { spawn as async }
export default lib
