'use strict'
// ServiceCluster (API.md §2): a set of services of one define() API, with
// the least busy one at hand.

const opts = require('./options')
const { makeError } = require('./errors')

class ServiceCluster {
  #api
  #services = new Set()

  /** @param {import('./define').DefinedApi} api what define() returned */
  constructor(api) {
    if (typeof api !== 'function' || typeof api.launchService !== 'function') throw opts.invalid('ServiceCluster takes the API define() returned')
    this.#api = api
  }

  /** Launch `count` services (launchService options); resolves with the new ones. */
  async launch(count = 1, options) {
    if (!Number.isInteger(count) || count < 1) throw opts.invalid(`count must be an integer ≥ 1, got ${String(count)}`)
    const launched = await Promise.all(Array.from({ length: count }, () => this.#api.launchService(options)))
    for (const s of launched) this.addService(s)
    return launched
  }

  /** Add a service launched elsewhere (of any API). */
  addService(service) {
    if (service === null || typeof service !== 'object' || typeof service.call !== 'function') throw opts.invalid('addService takes a Service')
    this.#services.add(service)
  }

  #running() {
    const list = []
    for (const s of this.#services) {
      if (s.closed) this.#services.delete(s)
      else list.push(s)
    }
    return list
  }

  /** The running service with the fewest calls in flight; throws when none runs. */
  use() {
    let best
    for (const s of this.#running()) if (best === undefined || s.activeCalls < best.activeCalls) best = s
    if (best === undefined) throw makeError('ERR_NOT_RUNNING', 'no service of this cluster is running')
    return best
  }

  /** Close every service. */
  async closeAll() {
    const list = this.#running()
    this.#services.clear()
    await Promise.all(list.map((s) => s.close()))
  }

  /** Close the services with no call in flight. */
  async closeAllIdle() {
    const idle = this.#running().filter((s) => s.activeCalls === 0)
    for (const s of idle) this.#services.delete(s)
    await Promise.all(idle.map((s) => s.close()))
  }

  /** Running services. */
  get activeServices() { return this.#running().length }

  /** Calls in flight across the services. */
  get activeServiceCalls() { return this.#running().reduce((n, s) => n + s.activeCalls, 0) }

  /** `[{ service, active, identifier }]`: active is true while it has calls in flight. */
  get currentServices() {
    return this.#running().map((service) => ({ service, active: service.activeCalls > 0, identifier: service.identifier }))
  }
}

module.exports = { ServiceCluster }
