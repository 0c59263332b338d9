'use strict'
// Streams between the host and a service, over its messages, with
// credit-based backpressure both ways: a writer has at most CREDIT chunks in
// flight; the reader grants more as it consumes (API.md §2).

const { Readable, Writable } = require('node:stream')
const { randomUUID } = require('node:crypto')

const CREDIT = 16
const TAG = '__isothreadStream'

/** Bytes as an exact Uint8Array (a Buffer may sit in a larger pooled slab). */
function toWire(chunk) {
  if (typeof chunk === 'string') return chunk
  if (ArrayBuffer.isView(chunk)) {
    const exact = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    return exact ? bytes : bytes.slice()
  }
  return chunk
}

/** Wire data as what a Node stream takes. */
function fromWire(data) {
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  if (typeof data === 'string') return data
  return Buffer.from(String(data))
}

class StreamHub {
  #post
  #writers = new Map()
  #readers = new Map()
  #handlers = new Set()

  /** @param {(value: any) => void} post sends a message to the other side */
  constructor(post) {
    this.#post = post
  }

  /** A Writable to the other side; resolves once it accepted the stream. */
  create(metaData) {
    const id = `h-${randomUUID()}`
    return new Promise((resolve) => {
      const w = { credit: 0, pending: null, accepted: resolve }
      w.stream = new Writable({
        write: (chunk, _enc, cb) => {
          const send = () => {
            w.credit--
            this.#post({ [TAG]: 'data', id, chunk: toWire(chunk) })
            cb()
          }
          if (w.credit > 0) send()
          else w.pending = send
        },
        final: (cb) => {
          this.#writers.delete(id)
          this.#post({ [TAG]: 'end', id })
          cb()
        },
        destroy: (err, cb) => {
          if (this.#writers.delete(id) && err) this.#post({ [TAG]: 'error', id, message: err.message })
          cb(err)
        },
      })
      this.#writers.set(id, w)
      this.#post({ [TAG]: 'open', id, metaData })
    })
  }

  /** `cb(readable)` for every stream the other side opens; returns a remover. */
  onStream(cb) {
    this.#handlers.add(cb)
    return () => { this.#handlers.delete(cb) }
  }

  /** Handle a stream message; false when `m` is not one (a user message). */
  handle(m) {
    if (m === null || typeof m !== 'object' || typeof m[TAG] !== 'string') return false
    const { id } = m
    switch (m[TAG]) {
      case 'open': {
        const r = { owed: 0 }
        r.stream = new Readable({
          read: () => {
            if (r.owed > 0) {
              this.#post({ [TAG]: 'credit', id, n: r.owed })
              r.owed = 0
            }
          },
        })
        r.stream.metaData = m.metaData
        this.#readers.set(id, r)
        for (const cb of [...this.#handlers]) cb(r.stream)
        this.#post({ [TAG]: 'accept', id, credit: CREDIT })
        break
      }
      case 'data': {
        const r = this.#readers.get(id)
        if (r === undefined) break
        if (r.stream.push(fromWire(m.chunk))) this.#post({ [TAG]: 'credit', id, n: 1 })
        else r.owed++
        break
      }
      case 'end':
      case 'error': {
        const r = this.#readers.get(id)
        if (r === undefined) break
        this.#readers.delete(id)
        if (m[TAG] === 'end') r.stream.push(null)
        else r.stream.destroy(new Error(m.message))
        break
      }
      case 'accept':
      case 'credit': {
        const w = this.#writers.get(id)
        if (w === undefined) break
        w.credit += m[TAG] === 'accept' ? m.credit : m.n
        if (w.accepted !== null) {
          const resolve = w.accepted
          w.accepted = null
          resolve(w.stream)
        }
        if (w.credit > 0 && w.pending !== null) {
          const send = w.pending
          w.pending = null
          send()
        }
        break
      }
    }
    return true
  }
}

module.exports = { StreamHub }
