//! What a thread is told for debugging: where its context's source stands
//! in the user's file, and whether it serves the DevTools protocol.

/// Where a function context's text starts in the user's file.
#[derive(Clone, Debug)]
pub struct SourceOrigin {
    /// The file as the host's stack traces name it (a path or a `file:` URL).
    pub file: String,
    /// 0-based line of the function's first character.
    pub line: i32,
    /// 0-based column of the function's first character.
    pub column: i32,
}
