'use strict'
// The key lists of one payload's SHAPE tags (docs/wire-format.md), for the
// encoder: an object whose own keys are a known list is written SHAPED.

const { SHAPE_MAX_KEYS, isIndexKey } = require('./common')

const SHAPE_LINEAR = 8 // shapes searched in a list up to this many, then by first key

/** A key list written once per payload as a SHAPE: number `id`. */
class Shape {
  constructor(keys, id) { this.keys = keys; this.id = id }
}

/** True when `a` and `b` (a shape's keys, an object's) are the same list. */
function sameKeys(a, b) {
  const n = a.length
  if (b.length !== n) return false
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false
  return true
}

// True when a key list may be a SHAPE: 1–256 keys, none an array index,
// none `__proto__` (own keys are distinct already).
function shapeable(keys) {
  const n = keys.length
  if (n === 0 || n > SHAPE_MAX_KEYS) return false
  for (let i = 0; i < n; i++) { const k = keys[i]; if (k === '__proto__' || isIndexKey(k)) return false }
  return true
}

/** The shapes of one payload, by id; past SHAPE_LINEAR of them also by first key (a Shape or a list). */
class ShapeTable {
  constructor() { this.list = []; this.count = 0; this.byFirstKey = null; this.last = null }

  clear() {
    for (let i = 0; i < this.count; i++) this.list[i] = null
    this.count = 0; this.byFirstKey = null; this.last = null
  }

  /**
   * The shape of `keys` (an object's own keys) and whether it is new (its
   * SHAPE to be written now: `count - 1`); null when they cannot be a shape.
   */
  find(keys) {
    const last = this.last
    if (last !== null && sameKeys(last.keys, keys)) return last
    if (keys.length === 0) return null
    const n = this.count, list = this.list
    let map = this.byFirstKey, shape = null
    if (map === null) {
      for (let i = 0; i < n && shape === null; i++) if (sameKeys(list[i].keys, keys)) shape = list[i]
      if (shape === null && n >= SHAPE_LINEAR) map = this.byFirstKey = this.index()
    } else {
      const known = map.get(keys[0])
      if (known instanceof Shape) { if (sameKeys(known.keys, keys)) shape = known } else if (known !== undefined) {
        for (let i = 0; i < known.length && shape === null; i++) if (sameKeys(known[i].keys, keys)) shape = known[i]
      }
    }
    if (shape === null) {
      if (!shapeable(keys)) return null
      shape = list[n] = new Shape(keys, n)
      this.count = n + 1
      if (map !== null) add(map, shape)
    }
    this.last = shape
    return shape
  }

  /** The shapes so far, by first key. */
  index() {
    const map = new Map()
    for (let i = 0; i < this.count; i++) add(map, this.list[i])
    return map
  }
}

function add(map, shape) {
  const first = shape.keys[0], known = map.get(first)
  if (known === undefined) map.set(first, shape)
  else if (known instanceof Shape) map.set(first, [known, shape])
  else known.push(shape)
}

module.exports = { ShapeTable }
