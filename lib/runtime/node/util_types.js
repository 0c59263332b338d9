'use strict'
// node:util/types inside a thread: brand checks through the built-ins' own
// internal-slot accessors where JS has one, else Object.prototype.toString.
// isProxy and isExternal cannot be told in JS: always false.

const toString = Object.prototype.toString
const tag = (v) => toString.call(v)
const isObject = (v) => v !== null && (typeof v === 'object' || typeof v === 'function')

/** A checker that is true when `method` accepts `v` as its receiver. */
function brand(method) {
  return (v) => {
    if (!isObject(v)) return false
    try { method.call(v); return true } catch { return false }
  }
}
const getter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get
const TypedArray = Object.getPrototypeOf(Uint8Array)
const typedArrayTag = getter(TypedArray.prototype, Symbol.toStringTag)
const typedTag = (v) => (ArrayBuffer.isView(v) ? typedArrayTag.call(v) : undefined)
const typed = (name) => (v) => typedTag(v) === name
const boxed = (ctor) => (v) => typeof v === 'object' && brand(ctor.prototype.valueOf)(v)

const isArrayBuffer = brand(getter(ArrayBuffer.prototype, 'byteLength'))
const isSharedArrayBuffer = brand(getter(SharedArrayBuffer.prototype, 'byteLength'))
const isNumberObject = boxed(Number)
const isStringObject = boxed(String)
const isBooleanObject = boxed(Boolean)
const isBigIntObject = boxed(BigInt)
const isSymbolObject = boxed(Symbol)
const isRegExpObject = brand(getter(RegExp.prototype, 'source'))

module.exports = {
  /** An ArrayBuffer or a SharedArrayBuffer. */
  isAnyArrayBuffer: (v) => isArrayBuffer(v) || isSharedArrayBuffer(v),
  /** Arguments object. */
  isArgumentsObject: (v) => isObject(v) && tag(v) === '[object Arguments]',
  /** An ArrayBuffer (not shared). */
  isArrayBuffer,
  /** A TypedArray or a DataView. */
  isArrayBufferView: (v) => ArrayBuffer.isView(v),
  /** An async function or async generator function. */
  isAsyncFunction: (v) => typeof v === 'function' && /^\[object Async(Generator)?Function\]$/.test(tag(v)),
  /** BigInt64Array. */
  isBigInt64Array: typed('BigInt64Array'),
  /** A boxed BigInt (Object(1n)). */
  isBigIntObject,
  /** BigUint64Array. */
  isBigUint64Array: typed('BigUint64Array'),
  /** A boxed boolean. */
  isBooleanObject,
  /** Any boxed primitive. */
  isBoxedPrimitive: (v) => isNumberObject(v) || isStringObject(v) || isBooleanObject(v) || isBigIntObject(v) || isSymbolObject(v),
  /** A CryptoKey of web crypto. */
  isCryptoKey: (v) => isObject(v) && tag(v) === '[object CryptoKey]',
  /** A DataView. */
  isDataView: brand(getter(DataView.prototype, 'byteLength')),
  /** A Date. */
  isDate: brand(Date.prototype.getTime),
  /** Always false: no external values inside a thread. */
  isExternal: () => false,
  /** Float32Array. */
  isFloat32Array: typed('Float32Array'),
  /** Float64Array. */
  isFloat64Array: typed('Float64Array'),
  /** A generator function (sync or async). */
  isGeneratorFunction: (v) => typeof v === 'function' && /^\[object (Async)?GeneratorFunction\]$/.test(tag(v)),
  /** A generator object. */
  isGeneratorObject: (v) => isObject(v) && /^\[object (Async)?Generator\]$/.test(tag(v)),
  /** Int8Array. */
  isInt8Array: typed('Int8Array'),
  /** Int16Array. */
  isInt16Array: typed('Int16Array'),
  /** Int32Array. */
  isInt32Array: typed('Int32Array'),
  /** A crypto KeyObject. */
  isKeyObject: (v) => isObject(v) && tag(v) === '[object KeyObject]',
  /** A Map. */
  isMap: brand(getter(Map.prototype, 'size')),
  /** A Map iterator. */
  isMapIterator: (v) => isObject(v) && tag(v) === '[object Map Iterator]',
  /** An ES module namespace object. */
  isModuleNamespaceObject: (v) => isObject(v) && Object.getPrototypeOf(v) === null && v[Symbol.toStringTag] === 'Module' && !Object.isExtensible(v),
  /** An error made by an Error constructor (subclasses included). */
  isNativeError: (v) => isObject(v) && tag(v) === '[object Error]',
  /** A boxed number. */
  isNumberObject,
  /** A native promise. */
  isPromise: (v) => isObject(v) && tag(v) === '[object Promise]',
  /** Always false: a proxy cannot be told from its target in JS. */
  isProxy: () => false,
  /** A RegExp. */
  isRegExp: (v) => v !== RegExp.prototype && isRegExpObject(v),
  /** A Set. */
  isSet: brand(getter(Set.prototype, 'size')),
  /** A Set iterator. */
  isSetIterator: (v) => isObject(v) && tag(v) === '[object Set Iterator]',
  /** A SharedArrayBuffer. */
  isSharedArrayBuffer,
  /** A boxed string. */
  isStringObject,
  /** A boxed symbol. */
  isSymbolObject,
  /** Any TypedArray. */
  isTypedArray: (v) => typedTag(v) !== undefined,
  /** Uint8Array (Buffers included). */
  isUint8Array: typed('Uint8Array'),
  /** Uint8ClampedArray. */
  isUint8ClampedArray: typed('Uint8ClampedArray'),
  /** Uint16Array. */
  isUint16Array: typed('Uint16Array'),
  /** Uint32Array. */
  isUint32Array: typed('Uint32Array'),
  /** A WeakMap. */
  isWeakMap: brand(WeakMap.prototype.has),
  /** A WeakSet. */
  isWeakSet: brand(WeakSet.prototype.has),
}
