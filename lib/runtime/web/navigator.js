'use strict'
// navigator as Node 21+ has it: hardwareConcurrency, userAgent, language, platform.

const { hostInfo } = require('../internal/host.js')

class Navigator {
  #info = hostInfo()
  /** Logical processors available (os.availableParallelism()). */
  get hardwareConcurrency() { return this.#info.cpus }
  /** `Node.js/<major>` of the host's Node. */
  get userAgent() { return `Node.js/${String(this.#info.version).slice(1).split('.')[0]}` }
  /** The default locale of Intl. */
  get language() { return new Intl.Collator().resolvedOptions().locale || 'en-US' }
  /** The platform as Node names it (`Linux x86_64`, `MacIntel`, `Win32`). */
  get platform() {
    const { platform, arch } = this.#info
    if (platform === 'darwin') return 'MacIntel'
    if (platform === 'win32') return 'Win32'
    if (platform === 'linux') return arch === 'ia32' ? 'Linux i686' : arch === 'x64' ? 'Linux x86_64' : `Linux ${arch}`
    return `${platform} ${arch}`
  }
  get [Symbol.toStringTag]() { return 'Navigator' }
}

module.exports = { navigator: new Navigator(), Navigator }
