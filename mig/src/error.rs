//! Errors reported by the generator.

use std::fmt;

/// A position in the original `.defs` source (after following line markers).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Pos {
    /// File name as given by the preprocessor's line markers.
    pub file: String,
    /// 1-based line number.
    pub line: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Everything that can go wrong between locating the `.defs` files and emitting Rust.
#[derive(Debug)]
pub enum Error {
    /// The GNU Mach headers (`mach/std_types.defs`) were not found.
    MissingHeaders(String),
    /// Running the C preprocessor failed.
    Preprocess(String),
    /// Reading a file failed.
    Io(String),
    /// The MIG source is not well formed.
    Syntax {
        /// Where the problem is.
        pos: Pos,
        /// What is wrong.
        msg: String,
    },
    /// The MIG source is well formed but meaningless (unknown type, bad array...).
    Semantic {
        /// Where the problem is.
        pos: Pos,
        /// What is wrong.
        msg: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::MissingHeaders(m) => write!(f, "{m}"),
            Error::Preprocess(m) => write!(f, "preprocessing failed: {m}"),
            Error::Io(m) => write!(f, "{m}"),
            Error::Syntax { pos, msg } => write!(f, "{pos}: syntax error: {msg}"),
            Error::Semantic { pos, msg } => write!(f, "{pos}: {msg}"),
        }
    }
}

impl std::error::Error for Error {}
