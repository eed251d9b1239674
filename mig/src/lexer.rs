//! Tokenizer for preprocessed MIG definitions.
//!
//! Input is the output of the C preprocessor: MIG source plus GNU line markers
//! (`# 12 "file.defs" 1 3 4`). Line markers are consumed here and only update the
//! source position attached to each token, so errors point into the original
//! `.defs` file rather than into the preprocessed text.

use super::error::{Error, Pos};

/// One lexical token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// An identifier or keyword (MIG keywords are case-insensitive; the parser
    /// compares them lower-cased).
    Ident(String),
    /// An unsigned decimal, octal (`0...`) or hexadecimal (`0x...`) number.
    Num(u64),
    /// A double-quoted string with its quotes removed (`rcsid`, line markers).
    Str(String),
    /// A `<file.h>` or `"file.h"` file name after `import`/`uimport`/`simport`.
    FileName(String),
    /// Any punctuation character: `; : , = ( ) [ ] { } ^ * + - | < > /`.
    Punct(char),
}

/// A token together with the position where it starts.
#[derive(Clone, Debug)]
pub struct Token {
    /// The token itself.
    pub tok: Tok,
    /// Where it starts in the original (pre-preprocessing) source.
    pub pos: Pos,
}

/// Splits preprocessed MIG text into tokens.
///
/// `default_file` names the input for positions until the first line marker.
///
/// # Errors
/// [`Error::Syntax`] for a character MIG does not use or an unterminated string.
pub fn tokenize(src: &str, default_file: &str) -> Result<Vec<Token>, Error> {
    let mut out = Vec::new();
    let mut file = default_file.to_string();
    let mut line: u32 = 1;
    let mut after_import = false;
    for raw_line in src.split('\n') {
        let trimmed = raw_line.trim_start();
        if let Some(rest) = trimmed.strip_prefix('#') {
            // GNU line marker `# N "file" flags` or `#line N "file"`; other
            // directives (e.g. `#pragma`) are ignored.
            let rest = rest.trim_start();
            let rest = rest.strip_prefix("line").unwrap_or(rest).trim_start();
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            if let Ok(n) = digits.parse::<u32>() {
                if let (Some(a), Some(b)) = (rest.find('"'), rest.rfind('"')) {
                    if b > a {
                        file = rest[a + 1..b].to_string();
                    }
                }
                line = n;
                continue;
            }
            line += 1;
            continue;
        }
        let chars: Vec<char> = raw_line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let pos = Pos { file: file.clone(), line };
            if c.is_whitespace() {
                i += 1;
                continue;
            }
            // Comments normally vanish in the preprocessor, but accept them anyway.
            if c == '/' && chars.get(i + 1) == Some(&'/') {
                break;
            }
            if after_import && (c == '<' || c == '"') {
                let close = if c == '<' { '>' } else { '"' };
                let start = i + 1;
                let mut j = start;
                while j < chars.len() && chars[j] != close {
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(Error::Syntax { pos, msg: "unterminated file name".into() });
                }
                out.push(Token { tok: Tok::FileName(chars[start..j].iter().collect()), pos });
                after_import = false;
                i = j + 1;
                continue;
            }
            if c.is_ascii_alphabetic() || c == '_' {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let lw = word.to_ascii_lowercase();
                after_import = lw == "import" || lw == "uimport" || lw == "simport";
                out.push(Token { tok: Tok::Ident(word), pos });
                continue;
            }
            after_import = false;
            if c.is_ascii_digit() {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let value = if let Some(h) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                    u64::from_str_radix(h, 16)
                } else if text.len() > 1 && text.starts_with('0') {
                    u64::from_str_radix(&text[1..], 8)
                } else {
                    text.parse::<u64>()
                };
                let value = value.map_err(|_| Error::Syntax { pos: pos.clone(), msg: format!("bad number `{text}`") })?;
                out.push(Token { tok: Tok::Num(value), pos });
                continue;
            }
            if c == '"' {
                let start = i + 1;
                let mut j = start;
                while j < chars.len() && chars[j] != '"' {
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(Error::Syntax { pos, msg: "unterminated string".into() });
                }
                out.push(Token { tok: Tok::Str(chars[start..j].iter().collect()), pos });
                i = j + 1;
                continue;
            }
            if ";:,=()[]{}^*+-|<>/".contains(c) {
                out.push(Token { tok: Tok::Punct(c), pos });
                i += 1;
                continue;
            }
            return Err(Error::Syntax { pos, msg: format!("unexpected character `{c}`") });
        }
        line += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_markers_set_positions() {
        let src = "# 40 \"mach/foo.defs\" 1 3 4\nroutine x(\n a : int);\n";
        let toks = tokenize(src, "in").unwrap();
        assert_eq!(toks[0].tok, Tok::Ident("routine".into()));
        assert_eq!(toks[0].pos.file, "mach/foo.defs");
        assert_eq!(toks[0].pos.line, 40);
        assert_eq!(toks[3].pos.line, 41);
    }

    #[test]
    fn numbers_and_filenames() {
        let toks = tokenize("import <mach/std_types.h>; 0x10 010 8*128", "in").unwrap();
        assert_eq!(toks[1].tok, Tok::FileName("mach/std_types.h".into()));
        assert_eq!(toks[3].tok, Tok::Num(16));
        assert_eq!(toks[4].tok, Tok::Num(8));
        assert_eq!(toks[6].tok, Tok::Punct('*'));
    }
}
