//! URL parts, setters and IDNA against Node 20 (`new URL`, the URL setters,
//! `url.domainToASCII`/`domainToUnicode`); the tables below are Node's
//! output for these inputs, produced once with `node -e` and pasted as data.

use super::super::url::{domain_to_ascii_str, domain_to_unicode_str, parse, parts, set};
use super::{eval, with_bindings};

#[test]
fn parse_gives_nodes_parts() {
    let mut wrong = Vec::new();
    for &(input, base, expected, can) in PARSE {
        let got = parse(input, base).map(|u| parts(&u));
        let expected = expected.map(|e| e.map(str::to_owned));
        if got != expected || got.is_some() != can {
            wrong.push(format!("{input:?} {base:?}: got {got:?}, Node {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn setters_give_nodes_parts() {
    let mut wrong = Vec::new();
    for &(href, component, value, expected) in SET {
        let mut u = parse(href, None).expect("href parses");
        set(&mut u, component, value).expect("known component");
        let got = parts(&u);
        if got != expected.map(str::to_owned) {
            wrong.push(format!("{href:?}.{component} = {value:?}: got {got:?}, Node {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn domains_as_node() {
    let mut wrong = Vec::new();
    for &(domain, ascii, unicode) in DOMAINS {
        let got = (domain_to_ascii_str(domain), domain_to_unicode_str(domain));
        if got != (ascii.to_owned(), unicode.to_owned()) {
            wrong.push(format!("{domain:?}: got {got:?}, Node ({ascii:?}, {unicode:?})"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_binding_as_js_calls_it() {
    with_bindings(|s| {
        let u = "b.url.parse('../c?d#e', 'http://münchen.de/a/b').join(' ')";
        assert_eq!(
            eval(s, u),
            "http://xn--mnchen-3ya.de/c?d#e http://xn--mnchen-3ya.de http:   \
             xn--mnchen-3ya.de xn--mnchen-3ya.de  /c ?d #e"
        );
        assert_eq!(eval(s, "b.url.parse('nope')"), "null");
        assert_eq!(eval(s, "b.url.parse('/x', 'nope')"), "null");
        assert_eq!(eval(s, "b.url.set('https://a.com/', 'port', '8443')[5]"), "a.com:8443");
        assert_eq!(eval(s, "b.url.set('https://a.com/', 'port', 'x')[0]"), "https://a.com/");
        assert_eq!(eval(s, "b.url.set('nope', 'port', '1')"), "null");
        assert!(eval(s, "b.url.set('https://a.com/', 'nope', '1')").starts_with("throw: TypeError"));
        assert_eq!(eval(s, "[b.url.canParse('x:'), b.url.canParse('x'), b.url.canParse('x', 'http://a')].join()"), "true,false,true");
        assert_eq!(eval(s, "b.url.domainToASCII('☃.net') + ' ' + b.url.domainToUnicode('xn--n3h.net')"), "xn--n3h.net ☃.net");
        assert!(eval(s, "b.url.parse(42)").starts_with("throw: TypeError"));
        assert!(eval(s, "b.url.parse('http://a', null)").starts_with("throw: TypeError"));
    });
}

/// input, base, the parts Node gives (`None`: invalid), `URL.canParse`.
type ParseCase = (&'static str, Option<&'static str>, Option<[&'static str; 11]>, bool);

/// [input, base] → the parts Node gives (`None`: invalid) and URL.canParse.
const PARSE: &[ParseCase] = &[
    (
        "https://user:pa ss@EXAMPLE.com:443/a/../b/./c?x=1 2#frag ment",
        None,
        Some([
            "https://user:pa%20ss@example.com/b/c?x=1%202#frag%20ment",
            "https://example.com",
            "https:",
            "user",
            "pa%20ss",
            "example.com",
            "example.com",
            "",
            "/b/c",
            "?x=1%202",
            "#frag%20ment",
        ]),
        true,
    ),
    (
        "http://example.com:8080/path?q#h",
        None,
        Some([
            "http://example.com:8080/path?q#h",
            "http://example.com:8080",
            "http:",
            "",
            "",
            "example.com:8080",
            "example.com",
            "8080",
            "/path",
            "?q",
            "#h",
        ]),
        true,
    ),
    ("HTTP://[::1]:80/", None, Some(["http://[::1]/", "http://[::1]", "http:", "", "", "[::1]", "[::1]", "", "/", "", ""]), true),
    (
        "http://[2001:db8::0:1]:3000/x",
        None,
        Some([
            "http://[2001:db8::1]:3000/x",
            "http://[2001:db8::1]:3000",
            "http:",
            "",
            "",
            "[2001:db8::1]:3000",
            "[2001:db8::1]",
            "3000",
            "/x",
            "",
            "",
        ]),
        true,
    ),
    (
        "http://[::ffff:192.168.0.1]/",
        None,
        Some(["http://[::ffff:c0a8:1]/", "http://[::ffff:c0a8:1]", "http:", "", "", "[::ffff:c0a8:1]", "[::ffff:c0a8:1]", "", "/", "", ""]),
        true,
    ),
    ("http://192.168.0.257/", None, None, false),
    (
        "http://0x7f.1/",
        None,
        Some(["http://127.0.0.1/", "http://127.0.0.1", "http:", "", "", "127.0.0.1", "127.0.0.1", "", "/", "", ""]),
        true,
    ),
    (
        "http://münchen.de/ä?ö#ü",
        None,
        Some([
            "http://xn--mnchen-3ya.de/%C3%A4?%C3%B6#%C3%BC",
            "http://xn--mnchen-3ya.de",
            "http:",
            "",
            "",
            "xn--mnchen-3ya.de",
            "xn--mnchen-3ya.de",
            "",
            "/%C3%A4",
            "?%C3%B6",
            "#%C3%BC",
        ]),
        true,
    ),
    (
        "http://xn--mnchen-3ya.de/",
        None,
        Some([
            "http://xn--mnchen-3ya.de/",
            "http://xn--mnchen-3ya.de",
            "http:",
            "",
            "",
            "xn--mnchen-3ya.de",
            "xn--mnchen-3ya.de",
            "",
            "/",
            "",
            "",
        ]),
        true,
    ),
    (
        "https://faß.de/",
        None,
        Some(["https://xn--fa-hia.de/", "https://xn--fa-hia.de", "https:", "", "", "xn--fa-hia.de", "xn--fa-hia.de", "", "/", "", ""]),
        true,
    ),
    (
        "http://EXAMPLE.COM./",
        None,
        Some(["http://example.com./", "http://example.com.", "http:", "", "", "example.com.", "example.com.", "", "/", "", ""]),
        true,
    ),
    (
        "file:///C:/dir/file.txt",
        None,
        Some(["file:///C:/dir/file.txt", "null", "file:", "", "", "", "", "", "/C:/dir/file.txt", "", ""]),
        true,
    ),
    ("file://host/share/x", None, Some(["file://host/share/x", "null", "file:", "", "", "host", "host", "", "/share/x", "", ""]), true),
    ("file:/etc/passwd", None, Some(["file:///etc/passwd", "null", "file:", "", "", "", "", "", "/etc/passwd", "", ""]), true),
    (
        "blob:https://example.com/uuid-1234",
        None,
        Some([
            "blob:https://example.com/uuid-1234",
            "https://example.com",
            "blob:",
            "",
            "",
            "",
            "",
            "",
            "https://example.com/uuid-1234",
            "",
            "",
        ]),
        true,
    ),
    ("blob:file:///x", None, Some(["blob:file:///x", "null", "blob:", "", "", "", "", "", "file:///x", "", ""]), true),
    (
        "mailto:someone@example.com?subject=hi",
        None,
        Some(["mailto:someone@example.com?subject=hi", "null", "mailto:", "", "", "", "", "", "someone@example.com", "?subject=hi", ""]),
        true,
    ),
    (
        "data:text/plain,hello world",
        None,
        Some(["data:text/plain,hello world", "null", "data:", "", "", "", "", "", "text/plain,hello world", "", ""]),
        true,
    ),
    ("javascript:alert(1)", None, Some(["javascript:alert(1)", "null", "javascript:", "", "", "", "", "", "alert(1)", "", ""]), true),
    ("urn:isbn:0451450523", None, Some(["urn:isbn:0451450523", "null", "urn:", "", "", "", "", "", "isbn:0451450523", "", ""]), true),
    ("ws://host:80/socket", None, Some(["ws://host/socket", "ws://host", "ws:", "", "", "host", "host", "", "/socket", "", ""]), true),
    ("wss://host:443/", None, Some(["wss://host/", "wss://host", "wss:", "", "", "host", "host", "", "/", "", ""]), true),
    (
        "ftp://ftp.example.com:21/pub",
        None,
        Some([
            "ftp://ftp.example.com/pub",
            "ftp://ftp.example.com",
            "ftp:",
            "",
            "",
            "ftp.example.com",
            "ftp.example.com",
            "",
            "/pub",
            "",
            "",
        ]),
        true,
    ),
    ("sc://ñ.com/x", None, Some(["sc://%C3%B1.com/x", "null", "sc:", "", "", "%C3%B1.com", "%C3%B1.com", "", "/x", "", ""]), true),
    (
        "non-special://host:99/p?q#f",
        None,
        Some(["non-special://host:99/p?q#f", "null", "non-special:", "", "", "host:99", "host", "99", "/p", "?q", "#f"]),
        true,
    ),
    (
        "../c/d?e#f",
        Some("http://a.com/x/y/z"),
        Some(["http://a.com/x/c/d?e#f", "http://a.com", "http:", "", "", "a.com", "a.com", "", "/x/c/d", "?e", "#f"]),
        true,
    ),
    (
        "//other.org/p",
        Some("https://a.com/"),
        Some(["https://other.org/p", "https://other.org", "https:", "", "", "other.org", "other.org", "", "/p", "", ""]),
        true,
    ),
    (
        "?only",
        Some("http://a.com/p?q#f"),
        Some(["http://a.com/p?only", "http://a.com", "http:", "", "", "a.com", "a.com", "", "/p", "?only", ""]),
        true,
    ),
    (
        "#h2",
        Some("http://a.com/p?q#f"),
        Some(["http://a.com/p?q#h2", "http://a.com", "http:", "", "", "a.com", "a.com", "", "/p", "?q", "#h2"]),
        true,
    ),
    (
        "",
        Some("http://a.com/p?q#f"),
        Some(["http://a.com/p?q", "http://a.com", "http:", "", "", "a.com", "a.com", "", "/p", "?q", ""]),
        true,
    ),
    ("/abs", Some("file:///C:/dir/x"), Some(["file:///C:/abs", "null", "file:", "", "", "", "", "", "/C:/abs", "", ""]), true),
    (
        "http:relative",
        Some("http://a.com/b/c"),
        Some(["http://a.com/b/relative", "http://a.com", "http:", "", "", "a.com", "a.com", "", "/b/relative", "", ""]),
        true,
    ),
    ("not a url", None, None, false),
    ("http://", None, None, false),
    ("http://exa mple.com/", None, None, false),
    ("https://a.com", Some("not a base"), None, false),
    ("x", Some("mailto:a@b"), None, false),
    (
        "http://a.com/%zz/%41?%41#%41",
        None,
        Some(["http://a.com/%zz/%41?%41#%41", "http://a.com", "http:", "", "", "a.com", "a.com", "", "/%zz/%41", "?%41", "#%41"]),
        true,
    ),
    (
        "http://a.com/ spaces \t\n/",
        None,
        Some(["http://a.com/%20spaces%20/", "http://a.com", "http:", "", "", "a.com", "a.com", "", "/%20spaces%20/", "", ""]),
        true,
    ),
    (
        "  http://a.com/trim  ",
        None,
        Some(["http://a.com/trim", "http://a.com", "http:", "", "", "a.com", "a.com", "", "/trim", "", ""]),
        true,
    ),
    ("http://a.com:0/", None, Some(["http://a.com:0/", "http://a.com:0", "http:", "", "", "a.com:0", "a.com", "0", "/", "", ""]), true),
    ("http://a.com:65536/", None, None, false),
    (
        "https://a.com/é?é#é",
        None,
        Some([
            "https://a.com/%C3%A9?%C3%A9#%C3%A9",
            "https://a.com",
            "https:",
            "",
            "",
            "a.com",
            "a.com",
            "",
            "/%C3%A9",
            "?%C3%A9",
            "#%C3%A9",
        ]),
        true,
    ),
    (
        "http://a.com/?a=b&c=d",
        None,
        Some(["http://a.com/?a=b&c=d", "http://a.com", "http:", "", "", "a.com", "a.com", "", "/", "?a=b&c=d", ""]),
        true,
    ),
    ("http://@a.com/", None, Some(["http://a.com/", "http://a.com", "http:", "", "", "a.com", "a.com", "", "/", "", ""]), true),
    ("http://:pw@a.com/", None, Some(["http://:pw@a.com/", "http://a.com", "http:", "", "pw", "a.com", "a.com", "", "/", "", ""]), true),
    ("HTTPS://A.COM/%7e", None, Some(["https://a.com/%7e", "https://a.com", "https:", "", "", "a.com", "a.com", "", "/%7e", "", ""]), true),
    ("http://a.com\\b\\c", None, Some(["http://a.com/b/c", "http://a.com", "http:", "", "", "a.com", "a.com", "", "/b/c", "", ""]), true),
    ("http://%41.com/", None, Some(["http://a.com/", "http://a.com", "http:", "", "", "a.com", "a.com", "", "/", "", ""]), true),
    ("http://a..b/", None, Some(["http://a..b/", "http://a..b", "http:", "", "", "a..b", "a..b", "", "/", "", ""]), true),
];

/// [href, setter, value] → the parts after `url[setter] = value` in Node.
const SET: &[(&str, &str, &str, [&str; 11])] = &[
    (
        "https://a.com/p?q#h",
        "protocol",
        "http",
        ["http://a.com/p?q#h", "http://a.com", "http:", "", "", "a.com", "a.com", "", "/p", "?q", "#h"],
    ),
    (
        "https://a.com/p?q#h",
        "protocol",
        "ftp:",
        ["ftp://a.com/p?q#h", "ftp://a.com", "ftp:", "", "", "a.com", "a.com", "", "/p", "?q", "#h"],
    ),
    (
        "https://a.com/p?q#h",
        "protocol",
        "mailto",
        ["https://a.com/p?q#h", "https://a.com", "https:", "", "", "a.com", "a.com", "", "/p", "?q", "#h"],
    ),
    ("mailto:x@y", "protocol", "https", ["mailto:x@y", "null", "mailto:", "", "", "", "", "", "x@y", "", ""]),
    (
        "https://a.com/p",
        "username",
        "us er",
        ["https://us%20er@a.com/p", "https://a.com", "https:", "us%20er", "", "a.com", "a.com", "", "/p", "", ""],
    ),
    (
        "https://a.com/p",
        "password",
        "p@ss",
        ["https://:p%40ss@a.com/p", "https://a.com", "https:", "", "p%40ss", "a.com", "a.com", "", "/p", "", ""],
    ),
    ("file:///p", "username", "x", ["file:///p", "null", "file:", "", "", "", "", "", "/p", "", ""]),
    (
        "https://a.com:8080/p",
        "host",
        "b.org:81",
        ["https://b.org:81/p", "https://b.org:81", "https:", "", "", "b.org:81", "b.org", "81", "/p", "", ""],
    ),
    (
        "https://a.com:8080/p",
        "host",
        "b.org",
        ["https://b.org:8080/p", "https://b.org:8080", "https:", "", "", "b.org:8080", "b.org", "8080", "/p", "", ""],
    ),
    ("https://a.com/p", "host", "", ["https://a.com/p", "https://a.com", "https:", "", "", "a.com", "a.com", "", "/p", "", ""]),
    (
        "https://a.com:8080/p",
        "hostname",
        "c.net:99",
        ["https://a.com:8080/p", "https://a.com:8080", "https:", "", "", "a.com:8080", "a.com", "8080", "/p", "", ""],
    ),
    (
        "https://a.com/p",
        "hostname",
        "münchen.de",
        [
            "https://xn--mnchen-3ya.de/p",
            "https://xn--mnchen-3ya.de",
            "https:",
            "",
            "",
            "xn--mnchen-3ya.de",
            "xn--mnchen-3ya.de",
            "",
            "/p",
            "",
            "",
        ],
    ),
    ("https://a.com/p", "port", "443", ["https://a.com/p", "https://a.com", "https:", "", "", "a.com", "a.com", "", "/p", "", ""]),
    (
        "https://a.com/p",
        "port",
        "8443abc",
        ["https://a.com:8443/p", "https://a.com:8443", "https:", "", "", "a.com:8443", "a.com", "8443", "/p", "", ""],
    ),
    ("https://a.com:1/p", "port", "", ["https://a.com/p", "https://a.com", "https:", "", "", "a.com", "a.com", "", "/p", "", ""]),
    ("https://a.com/p", "port", "99999", ["https://a.com/p", "https://a.com", "https:", "", "", "a.com", "a.com", "", "/p", "", ""]),
    (
        "https://a.com/p",
        "pathname",
        "/x y/../z",
        ["https://a.com/z", "https://a.com", "https:", "", "", "a.com", "a.com", "", "/z", "", ""],
    ),
    (
        "https://a.com/p",
        "pathname",
        "no-slash",
        ["https://a.com/no-slash", "https://a.com", "https:", "", "", "a.com", "a.com", "", "/no-slash", "", ""],
    ),
    ("mailto:x@y", "pathname", "z", ["mailto:x@y", "null", "mailto:", "", "", "", "", "", "x@y", "", ""]),
    (
        "https://a.com/p?old",
        "search",
        "a=1 2",
        ["https://a.com/p?a=1%202", "https://a.com", "https:", "", "", "a.com", "a.com", "", "/p", "?a=1%202", ""],
    ),
    ("https://a.com/p?old", "search", "?b", ["https://a.com/p?b", "https://a.com", "https:", "", "", "a.com", "a.com", "", "/p", "?b", ""]),
    ("https://a.com/p?old", "search", "", ["https://a.com/p", "https://a.com", "https:", "", "", "a.com", "a.com", "", "/p", "", ""]),
    (
        "https://a.com/p#old",
        "hash",
        "new frag",
        ["https://a.com/p#new%20frag", "https://a.com", "https:", "", "", "a.com", "a.com", "", "/p", "", "#new%20frag"],
    ),
    ("https://a.com/p#old", "hash", "", ["https://a.com/p", "https://a.com", "https:", "", "", "a.com", "a.com", "", "/p", "", ""]),
    ("https://a.com/p", "href", "http://b.com/q", ["http://b.com/q", "http://b.com", "http:", "", "", "b.com", "b.com", "", "/q", "", ""]),
    ("https://a.com/p", "href", "not a url", ["https://a.com/p", "https://a.com", "https:", "", "", "a.com", "a.com", "", "/p", "", ""]),
    ("file:///C:/x", "host", "srv", ["file://srv/C:/x", "null", "file:", "", "", "srv", "srv", "", "/C:/x", "", ""]),
    ("http://a.com/", "protocol", "file", ["file://a.com/", "null", "file:", "", "", "a.com", "a.com", "", "/", "", ""]),
];

/// domain → [url.domainToASCII, url.domainToUnicode] in Node.
const DOMAINS: &[(&str, &str, &str)] = &[
    ("münchen.de", "xn--mnchen-3ya.de", "münchen.de"),
    ("xn--mnchen-3ya.de", "xn--mnchen-3ya.de", "münchen.de"),
    ("EXAMPLE.com", "example.com", "example.com"),
    ("xn--iñvalid.com", "", ""),
    ("a..b", "a..b", "a..b"),
    ("", "", ""),
    ("faß.de", "xn--fa-hia.de", "faß.de"),
    ("ab--c.com", "ab--c.com", "ab--c.com"),
    ("☃.net", "xn--n3h.net", "☃.net"),
    ("xn--n3h.net", "xn--n3h.net", "☃.net"),
    ("a b.com", "", ""),
    ("1.2.3.4", "1.2.3.4", "1.2.3.4"),
    ("xn--a.com", "", ""),
    ("[::1]", "[::1]", "[::1]"),
    ("[::1", "", ""),
    ("1.2.3", "1.2.0.3", "1.2.0.3"),
    ("0x7f.1", "127.0.0.1", "127.0.0.1"),
    ("a.com:80", "", ""),
    ("A.COM", "a.com", "a.com"),
    ("a%41.com", "aa.com", "aa.com"),
];
