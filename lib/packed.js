'use strict'
// Encoded values back to back in one growing buffer, so that many of them
// cross to native code in one call (lib/outbox.js, lib/messenger.js).

/** A buffer grown past this is let go once handed over, not kept for the next burst. */
const KEEP = 1 << 20

class PackedBytes {
  #buf = null
  #end = 0

  /** Copy `bytes` after what is held. */
  append(bytes) {
    const end = this.#end + bytes.length
    if (this.#buf === null || end > this.#buf.length) {
      const grown = new Uint8Array(Math.max(4096, end * 2))
      if (this.#buf !== null) grown.set(this.#buf.subarray(0, this.#end))
      this.#buf = grown
    }
    this.#buf.set(bytes, this.#end)
    this.#end = end
  }

  /** Everything held, as a view to hand over at once; the packer is empty after. */
  take() {
    const held = this.#buf === null ? new Uint8Array(0) : this.#buf.subarray(0, this.#end)
    this.#end = 0
    if (held.buffer.byteLength > KEEP) this.#buf = null
    return held
  }

  /** Drop what is held. */
  clear() { this.#end = 0 }
}

module.exports = { PackedBytes }
