'use strict'
// define(): the nanolith surface (API.md §2). Tasks run in a fresh context
// on a global-pool thread; services keep a context (and a thread) alive.

const native = require('../native/binding.js')
const { pool } = require('./global-pool')
const { Service } = require('./service')
const { makeError } = require('./errors')
const { messengerName } = require('./messenger')
const opts = require('./options')

/** Must match engine/modules.rs MODULE_DEFINITIONS. */
const MODULE_DEFINITIONS = '\u0000module:'
const HOOKS = ['__initializeService', '__beforeTask', '__afterTask', '__beforeServiceTask', '__afterServiceTask']
let anonymous = 0

/** `({ "name": <function expression>, … })` for the definitions object. */
function definitionsSource(definitions) {
  const parts = []
  for (const key of Object.keys(definitions)) {
    const fn = definitions[key]
    if (typeof fn !== 'function') throw opts.invalid(`definitions.${key} must be a function`)
    parts.push(`${JSON.stringify(key)}: (${opts.contextSource(fn)})`)
  }
  return `{ ${parts.join(',\n')} }`
}

function checkTaskOptions(o, names) {
  o = opts.checkObject(o, 'task options')
  if (typeof o.name !== 'string') throw opts.invalid('name must be a string (the task to run)')
  // (names is null for a module's definitions: the thread checks the name)
  if (names !== null && !names.has(o.name)) throw makeError('ERR_UNKNOWN_TASK', `there is no task named ${JSON.stringify(o.name)}`)
  const params = o.params === undefined ? [] : o.params
  if (!Array.isArray(params)) throw opts.invalid('params must be an array')
  if (o.transfer !== undefined && !Array.isArray(o.transfer)) throw opts.invalid('transfer must be an array')
  const signal = opts.checkSignal(o.signal)
  if (signal !== undefined && signal.aborted) {
    throw makeError('ERR_ABORTED', 'the task was aborted before it started', { cause: signal.reason })
  }
  return {
    name: o.name,
    args: params,
    transfer: o.transfer,
    timeout: opts.checkTimeout(o.timeout),
    signal,
    priority: opts.checkBoolean(o.priority, 'priority', false),
    reffed: opts.checkBoolean(o.reffed, 'reffed', true),
    messengers: o.messengers === undefined ? [] : o.messengers,
  }
}

/** Run one task through the global pool (`host`: the define()'s host functions). */
function runTask(defs, names, host, options) {
  let c
  try {
    c = checkTaskOptions(options, names)
  } catch (err) {
    return Promise.reject(err)
  }
  c.host = host
  return new Promise((resolve, reject) => {
    const item = {
      kind: 'task',
      priority: c.priority,
      reffed: c.reffed,
      fail: reject,
      start(slot) {
        if (c.signal !== undefined && c.signal.aborted) return true
        for (const m of c.messengers) slot.native.attachMessenger(messengerName(m))
        const run = slot.submitTask(defs, c.name, c)
        run.then(resolve, reject)
        return run.then(() => true, (err) => err === undefined || err.code !== 'ERR_MEMORY_LIMIT')
      },
    }
    if (c.signal !== undefined) {
      c.signal.addEventListener('abort', () => {
        if (pool.remove(item)) reject(makeError('ERR_ABORTED', 'the task was aborted', { cause: c.signal.reason }))
      }, { once: true })
    }
    pool.enqueue(item)
  })
}

/** Launch a service: resolves once `__initializeService` finished. */
function launchService(defs, names, host, identifier, options) {
  let o
  try {
    o = opts.checkObject(options, 'launchService options')
    if (o.exceptionHandler !== undefined && typeof o.exceptionHandler !== 'function') throw opts.invalid('exceptionHandler must be a function')
    opts.checkBoolean(o.priority, 'priority', false)
    opts.checkBoolean(o.reffed, 'reffed', true)
    if (o.memoryLimit !== undefined) opts.checkMemoryLimit(o.memoryLimit)
  } catch (err) {
    return Promise.reject(err)
  }
  return new Promise((resolve, reject) => {
    pool.enqueue({
      kind: 'service',
      fail: reject,
      released() { if (this.service && this.service.released) this.service.released() },
      priority: o.priority === true,
      reffed: true, // a pending launch keeps the process alive until it settles
      memoryLimit: o.memoryLimit,
      start(slot) {
        slot.host = host // the slot serves this service until it closes
        // (its isolate ends with it: the pool starts a thread in its place meanwhile)
        const service = new Service(slot, defs, names, identifier, o, () => pool._replaceSoon())
        this.service = service
        return service._start().then(() => {
          resolve(service)
          return service._ended() // the thread is held until the service closes
        }, (err) => {
          service.close()
          reject(err)
          return false
        })
      },
    })
  })
}

/**
 * What define() returns: call it to run a task.
 * @typedef {((taskOptions: any) => Promise<any>) & {
 *   launchService(serviceOptions?: any): Promise<any>,
 *   identifier: string,
 *   tasks: string[],
 *   then?: (onFulfilled?: (api: DefinedApi) => any, onRejected?: (reason: any) => any) => Promise<any>,
 * }} DefinedApi
 */

/**
 * Define tasks (and hooks). Returns the API: call it to run a task, or
 * `api.launchService()` for a service. `await define(...)` works too.
 * @param {Record<string, Function>} definitions
 * @param {{ identifier?: string, host?: Record<string, Function> }} [options]
 * @returns {DefinedApi}
 */
function define(definitions, options) {
  if (definitions === null || typeof definitions !== 'object') throw opts.invalid('define() takes an object of functions')
  const o = opts.checkObject(options, 'define options')
  if (o.identifier !== undefined && typeof o.identifier !== 'string') throw opts.invalid('identifier must be a string')
  const identifier = o.identifier !== undefined ? o.identifier : `define-${++anonymous}`
  const host = opts.checkHost(o.host)
  // define({ module }): the module's named exports are the tasks and hooks.
  const fromModule = 'module' in definitions && typeof definitions.module !== 'function'
  const source = fromModule ? MODULE_DEFINITIONS + opts.moduleContext(definitions).module : definitionsSource(definitions)
  const defs = new native.Definitions(source, host === undefined ? undefined : Object.keys(host))
  const names = fromModule ? null : new Set(Object.keys(definitions).filter((k) => !HOOKS.includes(k) && !k.startsWith('__')))
  const make = () => {
    const api = /** @type {DefinedApi} */ ((taskOptions) => runTask(defs, names, host, taskOptions))
    api.launchService = (serviceOptions) => launchService(defs, names, host, identifier, serviceOptions)
    api.identifier = identifier
    api.tasks = names === null ? [] : [...names]
    return api
  }
  const api = make()
  const awaited = make() // what `await define(...)` gives: the same API, not thenable
  api.then = (onFulfilled, onRejected) => Promise.resolve(awaited).then(onFulfilled, onRejected)
  return api
}

module.exports = { define }
