//! Writing a curriculum back as a tree of files.

use super::{Curriculum, Tree};

/// Writes a curriculum as files; [`parse`] of the result gives the same curriculum back.
pub fn to_tree(curriculum: &Curriculum) -> Result<Tree, toml::ser::Error> {
    let mut tree = Tree::new();
    for path in &curriculum.paths {
        let dir = &path.meta.slug;
        tree.insert(format!("{dir}/path.toml"), toml::to_string(&path.meta)?);
        for module in &path.modules {
            let module_dir = format!("{dir}/{:02}-{}", module.meta.position, module.meta.slug);
            tree.insert(
                format!("{module_dir}/module.toml"),
                toml::to_string(&module.meta)?,
            );
            for lesson in &module.lessons {
                let front = toml::to_string(&lesson.meta)?;
                let file = format!(
                    "{module_dir}/{:02}-{}.md",
                    lesson.meta.position, lesson.meta.slug
                );
                tree.insert(file, format!("+++\n{front}+++\n\n{}", lesson.body));
            }
            if let Some(quiz) = &module.quiz {
                tree.insert(format!("{module_dir}/quiz.toml"), toml::to_string(quiz)?);
            }
            if let Some(labs) = &module.labs {
                tree.insert(format!("{module_dir}/labs.toml"), toml::to_string(labs)?);
            }
        }
    }
    Ok(tree)
}
