'use strict'
// node:os inside a thread: what the host told the runtime (platform, arch,
// CPUs, environment) and, on Linux, the kernel's own files under /proc for
// release/version/hostname/CPU model/total memory (read once per process).
// What changes over time (freemem, uptime, network interfaces, priorities)
// is host-only: those functions throw ERR_NOT_AVAILABLE; loadavg() is
// [0, 0, 0], as Node gives on Windows.

const { host } = require('isothread:internal')
const { hostInfo, notAvailable } = require('../internal/host.js')

const info = hostInfo()
const env = info.env
const isWindows = info.platform === 'win32'

function procFile(name) {
  if (info.platform !== 'linux') return undefined
  try { return host.readText(`/proc/${name}`) } catch { return undefined }
}
const procLine = (name) => { const t = procFile(name); return t === undefined ? undefined : t.trim() }

const TYPES = { linux: 'Linux', darwin: 'Darwin', win32: 'Windows_NT', freebsd: 'FreeBSD', openbsd: 'OpenBSD', sunos: 'SunOS', aix: 'AIX' }
const MACHINES = { x64: 'x86_64', arm64: isWindows || info.platform === 'darwin' ? 'arm64' : 'aarch64', ia32: 'i686', arm: 'armv7l' }

let cpuModel
function cpuFacts() {
  if (cpuModel === undefined) {
    const text = procFile('cpuinfo') || ''
    const model = /^model name\s*:\s*(.*)$/m.exec(text)
    const mhz = /^cpu MHz\s*:\s*([\d.]+)$/m.exec(text)
    cpuModel = { model: model ? model[1].trim() : 'unknown', speed: mhz ? Math.floor(Number(mhz[1])) : 0 }
  }
  return cpuModel
}

const unavailable = (name) => function () { throw notAvailable(`os.${name}()`, 'it is host-only; ask the host with the host option (parent.host)') }

module.exports = {
  EOL: isWindows ? '\r\n' : '\n',
  devNull: isWindows ? '\\\\.\\nul' : '/dev/null',
  /** The host's process.platform. */
  platform: () => info.platform,
  /** The host's process.arch. */
  arch: () => info.arch,
  /** The operating system name as uname reports it ('Linux', 'Darwin', 'Windows_NT'). */
  type: () => TYPES[info.platform] || info.platform,
  /** The machine type ('x86_64', 'aarch64', …). */
  machine: () => MACHINES[info.arch] || info.arch,
  /** The kernel release (Linux: /proc/sys/kernel/osrelease; elsewhere ''). */
  release: () => procLine('sys/kernel/osrelease') || '',
  /** The kernel version string (Linux: /proc/sys/kernel/version; elsewhere ''). */
  version: () => procLine('sys/kernel/version') || '',
  /** The host name (Linux: the kernel's; elsewhere HOSTNAME/COMPUTERNAME from the environment). */
  hostname: () => procLine('sys/kernel/hostname') || env.HOSTNAME || env.COMPUTERNAME || 'localhost',
  /** Logical processors this process may use (the host's os.availableParallelism()). */
  availableParallelism: () => info.cpus,
  /** One { model, speed, times } per available processor (times are zero: not measured in a thread). */
  cpus() {
    const { model, speed } = cpuFacts()
    return Array.from({ length: info.cpus }, () => ({ model, speed, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } }))
  },
  /** 'LE' or 'BE', the byte order of this machine. */
  endianness: () => (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'LE' : 'BE'),
  /** The home directory from the environment (HOME, or USERPROFILE on Windows). */
  homedir: () => (isWindows ? env.USERPROFILE : env.HOME) || '',
  /** The temporary directory from the environment, as Node picks it (TMPDIR, TMP, TEMP, else /tmp). */
  tmpdir() {
    if (isWindows) {
      const p = env.TEMP || env.TMP || `${env.SystemRoot || env.windir}\\temp`
      return p.length > 1 && p.endsWith('\\') && !p.endsWith(':\\') ? p.slice(0, -1) : p
    }
    const p = env.TMPDIR || env.TMP || env.TEMP || '/tmp'
    return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p
  },
  /** Total memory in bytes (Linux: /proc/meminfo; elsewhere 0). */
  totalmem() {
    const m = /^MemTotal:\s*(\d+) kB$/m.exec(procFile('meminfo') || '')
    return m ? Number(m[1]) * 1024 : 0
  },
  /** [0, 0, 0]: load averages are not measured inside a thread. */
  loadavg: () => [0, 0, 0],
  /** { uid: -1, gid: -1, username, homedir, shell } from the environment. */
  userInfo: () => ({
    uid: -1,
    gid: -1,
    username: env.USER || env.USERNAME || env.LOGNAME || '',
    homedir: (isWindows ? env.USERPROFILE : env.HOME) || '',
    shell: isWindows ? null : env.SHELL || null,
  }),
  /** Throws ERR_NOT_AVAILABLE (host-only). */
  freemem: unavailable('freemem'),
  /** Throws ERR_NOT_AVAILABLE (host-only). */
  uptime: unavailable('uptime'),
  /** Throws ERR_NOT_AVAILABLE (host-only). */
  networkInterfaces: unavailable('networkInterfaces'),
  /** Throws ERR_NOT_AVAILABLE (host-only). */
  getPriority: unavailable('getPriority'),
  /** Throws ERR_NOT_AVAILABLE (host-only). */
  setPriority: unavailable('setPriority'),
}
// os.constants (signals, errno, priority, dlopen) as real Node 20 has them
// (host-only-names.json, recorded on Linux), loaded on first use.
let constants
Object.defineProperty(module.exports, 'constants', {
  enumerable: true,
  configurable: true,
  get() { return constants || (constants = require('../host-only-names.json').osConstants) },
})
