'use strict'
// Queues for the global pool. A queue is a small interface — `size`,
// `push(item)`, `shift()`, `remove(item)` — so FIFO and priority queues swap
// (as piscina's TaskQueue).

/** First in, first out. */
class FifoQueue {
  #items = []
  #head = 0
  get size() { return this.#items.length - this.#head }
  push(item) { this.#items.push(item) }
  shift() {
    if (this.#head === this.#items.length) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head++] = undefined
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }
  peek() { return this.#head === this.#items.length ? undefined : this.#items[this.#head] }
  remove(item) {
    const i = this.#items.indexOf(item, this.#head)
    if (i < 0) return false
    this.#items.splice(i, 1)
    return true
  }
}

/** Items with `priority: true` jump the queue; FIFO within each lane. */
class PriorityQueue {
  #high = new FifoQueue()
  #low = new FifoQueue()
  get size() { return this.#high.size + this.#low.size }
  push(item) { (item.priority ? this.#high : this.#low).push(item) }
  shift() { return this.#high.size > 0 ? this.#high.shift() : this.#low.shift() }
  peek() { return this.#high.size > 0 ? this.#high.peek() : this.#low.peek() }
  remove(item) { return this.#high.remove(item) || this.#low.remove(item) }
}

module.exports = { FifoQueue, PriorityQueue }
