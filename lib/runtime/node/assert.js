'use strict'
// node:assert inside a thread: the `assert` npm port (Node's assert, with
// AssertionError code 'ERR_ASSERTION', assert.strict, rejects, match …).
// Fixed up as Node 20: throws/rejects with a RegExp the error does not match
// fail with an AssertionError (the port rethrew the error). The port's
// messages come from an older Node: diff texts may differ from Node 20.

const assert = require('assert/')

// Node's RegExp check of throws/rejects: a failure is an AssertionError.
function regExpChecked(name, original, isAsync) {
  const wrapped = {
    /** The port's throws/rejects; an error not matching a RegExp `expected` fails with an AssertionError. */
    [name](fn, expected, message) {
      if (!(expected instanceof RegExp)) return Reflect.apply(original, this, arguments)
      let caught
      const keep = (e) => { caught = e; return true }
      const check = () => {
        const str = String(caught)
        if (RegExp.prototype.test.call(expected, str)) return
        if (message instanceof Error) throw message
        const { inspect } = require('util')
        const err = new assert.AssertionError({
          actual: caught,
          expected,
          message: message || `The input did not match the regular expression ${inspect(expected)}. Input:\n\n${inspect(str)}\n`,
          operator: name,
          stackStartFn: wrapped,
        })
        err.generatedMessage = !message
        throw err
      }
      if (isAsync) return Reflect.apply(original, this, [fn, keep, message]).then(check)
      Reflect.apply(original, this, [fn, keep, message])
      check()
    },
  }[name]
  return wrapped
}

for (const target of [assert, assert.strict]) {
  for (const [name, isAsync] of [['throws', false], ['rejects', true]]) {
    const original = target[name]
    target[name] = regExpChecked(name, original, isAsync)
  }
}

// Node's deprecated CallTracker is not offered: constructing one throws ERR_NOT_AVAILABLE.
if (assert.CallTracker === undefined) {
  assert.CallTracker = require('../internal/host.js').unavailable('assert.CallTracker', 'CallTracker (deprecated) is not offered inside a thread')
  assert.strict.CallTracker = assert.CallTracker
}

module.exports = assert
