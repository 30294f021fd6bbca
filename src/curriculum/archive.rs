//! The curriculum as one `.tar.gz` file: the tree `groundwork export` writes, packed, and
//! unpacked again with every entry checked. Unpacking trusts nothing in the archive: only
//! plain files with relative paths inside the tree, UTF-8 text, within size limits.

use std::io::Read;

use flate2::{Compression, read::GzDecoder, write::GzEncoder};

use super::files::Tree;

/// Most bytes the files of an archive may hold once unpacked (a gzip bomb stops here).
pub const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// Most entries an archive may hold.
pub const MAX_ENTRIES: usize = 10_000;

/// Packs `tree` as a gzipped tar, entries named by their path in the tree, `mtime` on each.
pub fn pack(tree: &Tree, mtime: u64) -> std::io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for (path, text) in tree {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        builder.append_data(&mut header, path, text.as_bytes())?;
    }
    builder.into_inner()?.finish()
}

/// Why an archive was refused; each reads as a sentence for the person who uploaded it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    #[error(
        "The file is not a readable .tar.gz archive ({0}). Upload the file that “Download the curriculum” gives, or one made with `tar czf`."
    )]
    Unreadable(String),
    #[error("{0}: only plain files and folders may be in the archive, not links or devices.")]
    NotAFile(String),
    #[error("{0}: paths must stay inside the archive (no absolute paths, no “..”).")]
    UnsafePath(String),
    #[error("An entry's name is not valid UTF-8.")]
    NameNotUtf8,
    #[error("{0}: not UTF-8 text. Curriculum files are Markdown and TOML.")]
    NotUtf8(String),
    #[error("{0} appears twice in the archive.")]
    Duplicate(String),
    #[error(
        "The archive unpacks to more than {} MB; that is not a curriculum.",
        MAX_UNPACKED_BYTES / 1024 / 1024
    )]
    TooLarge,
    #[error("The archive has more than {MAX_ENTRIES} entries; that is not a curriculum.")]
    TooManyEntries,
}

fn unreadable(error: std::io::Error) -> ArchiveError {
    ArchiveError::Unreadable(error.to_string())
}

/// Unpacks a `.tar.gz` into a tree. Directories are implied by the files' paths and skipped;
/// a leading `./` is dropped; when every file sits in one top folder that is not itself a
/// path of the curriculum (someone ran `tar czf x.tar.gz content/`), that folder is dropped.
pub fn unpack(bytes: &[u8]) -> Result<Tree, ArchiveError> {
    let mut archive = tar::Archive::new(GzDecoder::new(bytes));
    let mut tree = Tree::new();
    let mut unpacked: u64 = 0;
    for (index, entry) in archive.entries().map_err(unreadable)?.enumerate() {
        if index >= MAX_ENTRIES {
            return Err(ArchiveError::TooManyEntries);
        }
        let mut entry = entry.map_err(unreadable)?;
        let raw_name = entry.path_bytes().into_owned();
        let name = String::from_utf8(raw_name).map_err(|_| ArchiveError::NameNotUtf8)?;
        match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {}
            tar::EntryType::Directory => {
                safe_path(&name)?;
                continue;
            }
            // Metadata of the archive itself (pax global headers), not a file.
            tar::EntryType::XGlobalHeader => continue,
            _ => return Err(ArchiveError::NotAFile(name)),
        }
        let path = safe_path(&name)?;
        if path.is_empty() {
            return Err(ArchiveError::UnsafePath(name));
        }
        let mut bytes = Vec::new();
        let budget = MAX_UNPACKED_BYTES - unpacked;
        (&mut entry)
            .take(budget + 1)
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
        unpacked += bytes.len() as u64;
        if unpacked > MAX_UNPACKED_BYTES {
            return Err(ArchiveError::TooLarge);
        }
        let text = String::from_utf8(bytes).map_err(|_| ArchiveError::NotUtf8(path.clone()))?;
        if tree.contains_key(&path) {
            return Err(ArchiveError::Duplicate(path));
        }
        tree.insert(path, text);
    }
    // Reading to the end checks the gzip trailer (its CRC and length): a cut-off or altered
    // file fails here even when every tar entry happened to read.
    let mut rest = archive.into_inner();
    std::io::copy(&mut rest, &mut std::io::sink()).map_err(unreadable)?;
    Ok(strip_common_folder(tree))
}

/// `a/./b` → `a/b`; refuses absolute paths and any `..`, and Windows-style names.
fn safe_path(name: &str) -> Result<String, ArchiveError> {
    let refuse = || ArchiveError::UnsafePath(name.to_owned());
    if name.starts_with('/') || name.contains('\\') || name.contains('\0') {
        return Err(refuse());
    }
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(refuse()),
            part if part.contains(':') => return Err(refuse()),
            part => parts.push(part),
        }
    }
    Ok(parts.join("/"))
}

fn strip_common_folder(tree: Tree) -> Tree {
    let has_paths = tree.keys().any(|file| {
        file.strip_suffix("/path.toml")
            .is_some_and(|dir| !dir.contains('/'))
    });
    let first = |file: &str| file.split_once('/').map(|(top, _)| top.to_owned());
    let Some(top) = tree.keys().next().and_then(|file| first(file)) else {
        return tree;
    };
    if has_paths || !tree.keys().all(|file| first(file).as_deref() == Some(&top)) {
        return tree;
    }
    tree.into_iter()
        .map(|(file, text)| (file[top.len() + 1..].to_owned(), text))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn tree(files: &[(&str, &str)]) -> Tree {
        files
            .iter()
            .map(|(path, text)| ((*path).to_owned(), (*text).to_owned()))
            .collect()
    }

    /// A tar.gz with raw entries, as a hostile or careless tool might write them.
    fn raw_archive(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
        for (name, kind, data) in entries {
            let mut header = tar::Header::new_old();
            // Written by hand: `set_path` refuses `..`, which is the point of the test.
            let field = &mut header.as_old_mut().name;
            field[..name.len()].copy_from_slice(name.as_bytes());
            header.set_entry_type(*kind);
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            if *kind == tar::EntryType::Symlink {
                header.set_link_name("/etc/passwd").unwrap();
            }
            header.set_cksum();
            builder.append(&header, *data).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn a_packed_tree_unpacks_to_the_same_tree() {
        let files = tree(&[("p/path.toml", "a = 1\n"), ("p/01-m/01-l.md", "é ✓\n")]);
        let packed = pack(&files, 0).unwrap();
        assert_eq!(unpack(&packed).unwrap(), files);
    }

    #[test]
    fn one_top_folder_around_the_curriculum_is_dropped() {
        let packed = pack(
            &tree(&[
                ("content/p/path.toml", "x"),
                ("content/p/01-m/module.toml", "y"),
            ]),
            0,
        )
        .unwrap();
        assert_eq!(
            unpack(&packed).unwrap(),
            tree(&[("p/path.toml", "x"), ("p/01-m/module.toml", "y")])
        );
        // A single path folder is the curriculum itself, not a wrapper.
        let single = tree(&[("p/path.toml", "x"), ("p/01-m/module.toml", "y")]);
        assert_eq!(unpack(&pack(&single, 0).unwrap()).unwrap(), single);
    }

    #[test]
    fn entries_outside_the_tree_links_and_binary_files_are_refused() {
        let regular = tar::EntryType::Regular;
        for (name, kind, data, expected) in [
            (
                "../evil",
                regular,
                &b"x"[..],
                ArchiveError::UnsafePath("../evil".into()),
            ),
            (
                "p/../../evil",
                regular,
                b"x",
                ArchiveError::UnsafePath("p/../../evil".into()),
            ),
            (
                "/etc/cron.d/x",
                regular,
                b"x",
                ArchiveError::UnsafePath("/etc/cron.d/x".into()),
            ),
            (
                "p/link",
                tar::EntryType::Symlink,
                b"",
                ArchiveError::NotAFile("p/link".into()),
            ),
            (
                "p/a.md",
                regular,
                b"\xff\xfe",
                ArchiveError::NotUtf8("p/a.md".into()),
            ),
        ] {
            let archive = raw_archive(&[(name, kind, data)]);
            assert_eq!(unpack(&archive), Err(expected), "{name}");
        }
    }

    #[test]
    fn damaged_archives_are_refused_as_unreadable() {
        let good = pack(&tree(&[("p/path.toml", &"x".repeat(5000))]), 0).unwrap();
        for damaged in [
            b"not a gzip file at all".to_vec(),
            good[..good.len() / 2].to_vec(),
            good[..good.len() - 4].to_vec(),
        ] {
            assert!(
                matches!(unpack(&damaged), Err(ArchiveError::Unreadable(_))),
                "{:?}",
                unpack(&damaged)
            );
        }
        let mut plain_gzip = GzEncoder::new(Vec::new(), Compression::default());
        plain_gzip.write_all(&[7; 1000]).unwrap();
        assert!(unpack(&plain_gzip.finish().unwrap()).is_err());
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_limit() {
        let big = "a".repeat(usize::try_from(MAX_UNPACKED_BYTES).unwrap() + 1);
        let packed = pack(&tree(&[("p/a.md", &big)]), 0).unwrap();
        assert_eq!(unpack(&packed), Err(ArchiveError::TooLarge));
    }
}
