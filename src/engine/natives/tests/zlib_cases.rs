//! zlib and brotli: round trips through every mode (with a flush in the
//! middle), bytes made by Node decoded here, ours decoded by flate2 and by
//! Node, Node's errors, and the binding as JS calls it.

use super::super::deflate::Params;
use super::super::zlib::Stream;
use super::super::zlib_types::{Mode, ZError};
use super::{eval, with_bindings};

const NO_FLUSH: i32 = 0;
const SYNC_FLUSH: i32 = 2;
const FINISH: i32 = 4;
const DEFAULTS: Params = Params { level: -1, window_bits: -1, mem_level: 8, strategy: 0 };

fn stream(mode: Mode) -> Stream {
    Stream::new(mode, &DEFAULTS, None).expect("stream")
}

fn once(mode: Mode, input: &[u8]) -> Result<Vec<u8>, ZError> {
    stream(mode).write(input, FINISH)
}

/// Text that compresses, then bytes that do not.
fn sample(len: usize) -> Vec<u8> {
    let mut x = 0x1234_5678u32;
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            if i < len / 2 {
                b"isothread zlib "[i % 15]
            } else {
                x as u8
            }
        })
        .collect()
}

const PAIRS: [(Mode, Mode); 6] = [
    (Mode::Deflate, Mode::Inflate),
    (Mode::Gzip, Mode::Gunzip),
    (Mode::Gzip, Mode::Unzip),
    (Mode::Deflate, Mode::Unzip),
    (Mode::DeflateRaw, Mode::InflateRaw),
    (Mode::BrotliEncode, Mode::BrotliDecode),
];

#[test]
fn every_mode_round_trips_with_a_flush_in_the_middle() {
    let data = sample(300_000);
    let (first, second) = data.split_at(100_000);
    // Level 5 (brotli quality 5): quality 11 costs seconds in a debug build
    // and is covered by the tests against Node below.
    let level5 = Params { level: 5, ..DEFAULTS };
    for (enc, dec) in PAIRS {
        let mut c = Stream::new(enc, &level5, None).unwrap();
        let mut d = stream(dec);
        // After a sync flush everything written so far decodes.
        let part = c.write(first, SYNC_FLUSH).unwrap();
        let got = d.write(&part, NO_FLUSH).unwrap();
        assert!(got == first, "{enc:?} flush: {} bytes of {}", got.len(), first.len());
        let mut rest = c.write(second, NO_FLUSH).unwrap();
        rest.extend(c.write(&[], FINISH).unwrap());
        assert!(c.write(b"after the end", FINISH).unwrap().is_empty(), "{enc:?} after finish");
        // Feed the rest in small pieces, the end with Z_FINISH.
        let mut out = Vec::new();
        for piece in rest.chunks(777) {
            out.extend(d.write(piece, NO_FLUSH).unwrap());
        }
        out.extend(d.write(&[], FINISH).unwrap());
        assert!(out == second, "{enc:?} -> {dec:?}: {} bytes of {}", out.len(), second.len());
        // (A gunzip would take a non-zero byte for the start of another member.)
        assert!(d.write(b"\0ignored", FINISH).unwrap().is_empty(), "{dec:?} after the end");
    }
}

#[test]
fn parameters_and_dictionaries() {
    let data = sample(20_000);
    for (level, window_bits, mem_level, strategy) in [(0, 8, 1, 0), (1, 9, 9, 1), (9, 15, 8, 2), (5, 12, 4, 3), (6, 10, 7, 4)] {
        for (enc, dec) in &PAIRS[..5] {
            let p = Params { level, window_bits, mem_level, strategy };
            let packed = Stream::new(*enc, &p, None).unwrap().write(&data, FINISH).unwrap();
            let inflate_bits = Params { window_bits: 15, ..p };
            let back = Stream::new(*dec, &inflate_bits, None).unwrap().write(&packed, FINISH);
            assert_eq!(back.unwrap(), data, "{enc:?} {level} {window_bits} {mem_level} {strategy}");
        }
    }
    let br = Params { level: 4, window_bits: 16, ..DEFAULTS };
    let packed = Stream::new(Mode::BrotliEncode, &br, None).unwrap().write(&data, FINISH).unwrap();
    assert_eq!(once(Mode::BrotliDecode, &packed).unwrap(), data);
    for bad in [Params { level: 10, ..DEFAULTS }, Params { window_bits: 16, ..DEFAULTS }, Params { mem_level: 0, ..DEFAULTS }] {
        let e = Stream::new(Mode::Deflate, &bad, None).err().expect("refused");
        assert_eq!(e.code, "ERR_ZLIB_INITIALIZATION_FAILED");
    }
    assert!(Stream::new(Mode::BrotliEncode, &Params { level: 12, ..DEFAULTS }, None).is_err());
    // Dictionaries: zlib asks for one, raw takes it up front.
    let dict = b"isothread zlib ";
    for (enc, dec) in [(Mode::Deflate, Mode::Inflate), (Mode::DeflateRaw, Mode::InflateRaw)] {
        let packed = Stream::new(enc, &DEFAULTS, Some(dict)).unwrap().write(&data, FINISH).unwrap();
        let back = Stream::new(dec, &DEFAULTS, Some(dict)).unwrap().write(&packed, FINISH).unwrap();
        assert_eq!(back, data, "{enc:?} with a dictionary");
    }
    let packed = Stream::new(Mode::Deflate, &DEFAULTS, Some(dict)).unwrap().write(&data, FINISH).unwrap();
    let missing = once(Mode::Inflate, &packed).unwrap_err();
    assert_eq!(missing, ZError::new("Missing dictionary", "Z_NEED_DICT", 2));
    let bad = Stream::new(Mode::Inflate, &DEFAULTS, Some(b"other")).unwrap().write(&packed, FINISH).unwrap_err();
    assert_eq!(bad, ZError::new("Bad dictionary", "Z_NEED_DICT", 2));
}

/// `'hello hello hello isothread '.repeat(3)` compressed by Node 20.
const TEXT: &[u8] = b"hello hello hello isothread hello hello hello isothread hello hello hello isothread ";
const NODE_GZIP: &[u8] = &[
    31, 139, 8, 0, 0, 0, 0, 0, 0, 3, 203, 72, 205, 201, 201, 87, 200, 64, 34, 51, 139, 243, 75, 50, 138, 82, 19, 83, 80, 68, 73, 145, 3, 0,
    69, 164, 211, 221, 84, 0, 0, 0,
];
const NODE_DEFLATE: &[u8] =
    &[120, 156, 203, 72, 205, 201, 201, 87, 200, 64, 34, 51, 139, 243, 75, 50, 138, 82, 19, 83, 80, 68, 73, 145, 3, 0, 63, 244, 31, 126];
const NODE_RAW: &[u8] = &[203, 72, 205, 201, 201, 87, 200, 64, 34, 51, 139, 243, 75, 50, 138, 82, 19, 83, 80, 68, 73, 145, 3, 0];
const NODE_BROTLI: &[u8] = &[
    27, 83, 0, 248, 141, 148, 110, 222, 68, 93, 134, 150, 54, 39, 217, 64, 222, 26, 13, 78, 140, 137, 71, 30, 176, 2, 59, 35, 28, 251, 113,
    20, 78, 2,
];
/// The same deflated with `{ dictionary: 'hello isothread' }`.
const NODE_DICT: &[u8] = &[120, 187, 47, 109, 5, 248, 203, 0, 115, 145, 73, 184, 148, 2, 185, 114, 0, 63, 244, 31, 126];

#[test]
fn node_output_decodes_and_ours_matches_it() {
    assert_eq!(once(Mode::Gunzip, NODE_GZIP).unwrap(), TEXT);
    assert_eq!(once(Mode::Unzip, NODE_GZIP).unwrap(), TEXT);
    assert_eq!(once(Mode::Inflate, NODE_DEFLATE).unwrap(), TEXT);
    assert_eq!(once(Mode::Unzip, NODE_DEFLATE).unwrap(), TEXT);
    assert_eq!(once(Mode::InflateRaw, NODE_RAW).unwrap(), TEXT);
    assert_eq!(once(Mode::BrotliDecode, NODE_BROTLI).unwrap(), TEXT);
    let with_dict = Stream::new(Mode::Inflate, &DEFAULTS, Some(b"hello isothread")).unwrap();
    assert_eq!({ with_dict }.write(NODE_DICT, FINISH).unwrap(), TEXT);
    // zlib-rs makes the same bytes as Node's zlib here, gzip header included
    // (OS 3, mtime 0, XFL 2 at level 9 and 4 at level 1).
    assert_eq!(once(Mode::Gzip, TEXT).unwrap(), NODE_GZIP);
    assert_eq!(once(Mode::Deflate, TEXT).unwrap(), NODE_DEFLATE);
    for (level, xfl) in [(9, 2), (1, 4)] {
        let p = Params { level, ..DEFAULTS };
        let gz = Stream::new(Mode::Gzip, &p, None).unwrap().write(b"abc", FINISH).unwrap();
        assert_eq!(gz[..10], [31, 139, 8, 0, 0, 0, 0, 0, xfl, 3]);
    }
}

#[test]
fn flate2_reads_our_gzip_as_a_separate_decoder() {
    use std::io::Read;
    let data = sample(50_000);
    let mut c = stream(Mode::Gzip);
    let mut gz = c.write(&data[..1000], SYNC_FLUSH).unwrap();
    gz.extend(c.write(&data[1000..], FINISH).unwrap());
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut out).unwrap();
    assert_eq!(out, data);
}

#[test]
fn gzip_members_and_trailing_bytes_as_node() {
    let gz = once(Mode::Gzip, b"abc").unwrap();
    let join = |tail: &[u8]| [&gz[..], tail].concat();
    assert_eq!(once(Mode::Gunzip, &join(&gz)).unwrap(), b"abcabc");
    assert_eq!(once(Mode::Unzip, &join(&gz)).unwrap(), b"abcabc");
    assert_eq!(once(Mode::Gunzip, &join(&[0; 10])).unwrap(), b"abc");
    let garbage = ZError::new("incorrect header check", "Z_DATA_ERROR", -3);
    assert_eq!(once(Mode::Gunzip, &join(b"xyz")).unwrap_err(), garbage);
    let eof = ZError::new("unexpected end of file", "Z_BUF_ERROR", -5);
    assert_eq!(once(Mode::Gunzip, &join(&[0x1f])).unwrap_err(), eof);
    // A second member in a later write.
    let mut d = stream(Mode::Gunzip);
    assert_eq!(d.write(&gz, NO_FLUSH).unwrap(), b"abc");
    assert_eq!(d.write(&gz, FINISH).unwrap(), b"abc");
    // zlib streams ignore what follows their end, as Node does.
    let z = once(Mode::Deflate, b"abc").unwrap();
    assert_eq!(once(Mode::Inflate, &[&z[..], b"xyz"].concat()).unwrap(), b"abc");
}

#[test]
fn errors_match_node() {
    let data_error = |m: &str| ZError::new(m, "Z_DATA_ERROR", -3);
    let eof = ZError::new("unexpected end of file", "Z_BUF_ERROR", -5);
    for mode in [Mode::Inflate, Mode::Gunzip, Mode::Unzip] {
        assert_eq!(once(mode, b"hello world").unwrap_err(), data_error("incorrect header check"), "{mode:?}");
        assert_eq!(once(mode, b"").unwrap_err(), eof, "{mode:?} empty");
    }
    assert_eq!(once(Mode::InflateRaw, &[0xff; 4]).unwrap_err(), data_error("invalid block type"));
    assert_eq!(once(Mode::InflateRaw, &[0, 5, 0, 0, 0]).unwrap_err(), data_error("invalid stored block lengths"));
    assert_eq!(once(Mode::Inflate, &NODE_DEFLATE[..NODE_DEFLATE.len() - 3]).unwrap_err(), eof);
    let mut crc = NODE_GZIP.to_vec();
    let at = crc.len() - 6;
    crc[at] ^= 1;
    assert_eq!(once(Mode::Gunzip, &crc).unwrap_err(), data_error("incorrect data check"));
    // Truncated input is no error until Z_FINISH.
    assert!(stream(Mode::Inflate).write(&NODE_DEFLATE[..10], SYNC_FLUSH).is_ok());
    let brotli = ZError::new("Decompression failed", "ERR__ERROR_FORMAT_CL_SPACE", -6);
    assert_eq!(once(Mode::BrotliDecode, b"hello world garbage").unwrap_err(), brotli);
    assert_eq!(once(Mode::BrotliDecode, &NODE_BROTLI[..NODE_BROTLI.len() - 2]).unwrap_err(), eof);
    assert_eq!(once(Mode::BrotliDecode, b"").unwrap_err(), eof);
}

#[test]
fn damaged_and_random_input_is_an_error_not_a_panic() {
    let data = sample(20_000);
    let mut seed = 0x9e37_79b9u32;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    for (enc, dec) in PAIRS {
        let good = once(enc, &data).unwrap();
        for round in 0..60 {
            let mut bad = good.clone();
            match round % 3 {
                0 => bad.truncate(next() as usize % bad.len()),
                1 => {
                    for _ in 0..1 + next() % 8 {
                        let at = next() as usize % bad.len();
                        bad[at] ^= 1 << (next() % 8);
                    }
                }
                _ => bad = (0..next() % 3000).map(|_| next() as u8).collect(),
            }
            let mut d = stream(dec);
            for piece in bad.chunks(1 + next() as usize % 5000) {
                if d.write(piece, NO_FLUSH).is_err() {
                    break;
                }
            }
            let _ = d.write(&[], FINISH);
        }
    }
}

#[test]
fn node_decodes_ours() {
    let Ok(status) = std::process::Command::new("node").arg("--version").output() else {
        eprintln!("node is not on PATH: skipped");
        return;
    };
    assert!(status.status.success());
    let data = sample(40_000);
    let dir = std::env::temp_dir().join(format!("isothread-natives-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("plain"), &data).unwrap();
    for (mode, file) in [(Mode::Gzip, "gz"), (Mode::Deflate, "zz"), (Mode::DeflateRaw, "raw"), (Mode::BrotliEncode, "br")] {
        let mut c = stream(mode);
        let mut out = c.write(&data[..5000], SYNC_FLUSH).unwrap();
        out.extend(c.write(&data[5000..], FINISH).unwrap());
        std::fs::write(dir.join(file), out).unwrap();
    }
    let script = "const z = require('zlib'), fs = require('fs'), p = require('path'), d = process.argv[1];\
        const plain = fs.readFileSync(p.join(d, 'plain'));\
        const got = [['gz', z.gunzipSync], ['zz', z.inflateSync], ['raw', z.inflateRawSync], ['br', z.brotliDecompressSync]]\
          .map(([f, dec]) => f + ':' + dec(fs.readFileSync(p.join(d, f))).equals(plain));\
        console.log(got.join(' '))";
    let out = std::process::Command::new("node").args(["-e", script, dir.to_str().unwrap()]).output().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "gz:true zz:true raw:true br:true", "{out:?}");
}

#[test]
fn the_binding_streams_and_throws_like_node() {
    with_bindings(|s| {
        let code = "{ const z = b.zlib, c = z.create(3, -1, 15, 8, 0), d = z.create(7); \
                    const packed = [z.write(c, bytes('hello '), 2), z.write(c, new DataView(bytes('world').buffer), 4)]; \
                    const text = packed.map((p) => String.fromCharCode(...z.write(d, p, 0))).join(''); \
                    z.free(c); z.free(d); z.free(d); text }";
        assert_eq!(eval(s, code), "hello world");
        let br = "{ const z = b.zlib, e = z.create(9, 5, 20), d = z.create(8); \
                  String.fromCharCode(...z.write(d, z.write(e, bytes('brotli'), 4), 4)) }";
        assert_eq!(eval(s, br), "brotli");
        assert_eq!(
            eval(s, "b.zlib.write(b.zlib.create(2), bytes('hello world'), 4)"),
            "throw: Error: incorrect header check Z_DATA_ERROR -3"
        );
        assert_eq!(eval(s, "b.zlib.write(b.zlib.create(8), bytes(''), 4)"), "throw: Error: unexpected end of file Z_BUF_ERROR -5");
        assert_eq!(eval(s, "b.zlib.write(12345, bytes('x'), 0)"), "throw: Error: zlib binding closed ERR_ZLIB_BINDING_CLOSED");
        assert!(eval(s, "b.zlib.create(0)").starts_with("throw: TypeError"));
        assert!(eval(s, "b.zlib.create(1, 1.5)").starts_with("throw: TypeError"));
        assert!(eval(s, "b.zlib.write(b.zlib.create(1), 'text', 0)").starts_with("throw: TypeError"));
        let dict = "{ const z = b.zlib, dict = bytes('hello'), c = z.create(1, 9, 15, 8, 0, dict); \
                    const d = z.create(2, -1, 15, 8, 0, dict); \
                    String.fromCharCode(...z.write(d, z.write(c, bytes('hello hello'), 4), 4)) }";
        assert_eq!(eval(s, dict), "hello hello");
        let crc = "[b.zlib.crc32(bytes('hello'), 0), b.zlib.crc32(bytes('world'), b.zlib.crc32(bytes('hello '), 0)), \
                   b.zlib.crc32(bytes('hello world'))].join()";
        assert_eq!(eval(s, crc), "907060870,222957957,222957957");
    });
}
