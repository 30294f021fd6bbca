//! An item of the outline (a path, module or lesson): the fields every item has and their
//! check, the slug made from a title, and moving an item among its siblings.

use serde::Deserialize;

use super::{
    audit,
    db::{self, Level},
};
use crate::{
    auth::{User, session},
    curriculum::files::valid_slug,
    db::Db,
    error::AppError,
    web::FieldErrors,
};

/// Limits of the fields every item has.
const TITLE_MAX: usize = 200;
const SUMMARY_MAX: usize = 500;

/// The title, slug, summary and published switch that paths, modules and lessons share,
/// as typed (kept as typed when the form comes back with errors).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct ItemFields {
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub published: Option<String>,
}

impl ItemFields {
    pub fn is_published(&self) -> bool {
        self.published.is_some()
    }

    /// Checks the fields; the slug comes from the title when left empty. Returns the slug to
    /// save. `parent_id` is the path of a module, the module of a lesson ("" for a path).
    pub(super) async fn validate(
        &mut self,
        db: &Db,
        level: Level,
        parent_id: &str,
        own_id: &str,
        errors: &mut FieldErrors,
    ) -> Result<(), AppError> {
        self.title = self.title.trim().to_owned();
        self.summary = self.summary.trim().to_owned();
        self.slug = self.slug.trim().to_owned();
        if self.title.is_empty() {
            errors.add("title", "Give it a title.");
        } else if self.title.chars().count() > TITLE_MAX {
            errors.add(
                "title",
                format!("Keep the title under {TITLE_MAX} characters."),
            );
        }
        if self.summary.chars().count() > SUMMARY_MAX {
            errors.add(
                "summary",
                format!("Keep the summary under {SUMMARY_MAX} characters."),
            );
        }
        if self.slug.is_empty() {
            self.slug = slug_of(&self.title);
        }
        let reserved: &[&str] = match level {
            Level::Path => &[],
            Level::Module => crate::curriculum::files::RESERVED_MODULE_SLUGS,
            Level::Lesson => crate::curriculum::files::RESERVED_LESSON_SLUGS,
        };
        if self.slug.is_empty() {
            if !self.title.is_empty() {
                errors.add("slug", "Choose a slug: lowercase letters, digits and -.");
            }
        } else if !valid_slug(&self.slug) {
            errors.add(
                "slug",
                "Use lowercase letters and digits in words joined by - (at most 80 characters).",
            );
        } else if reserved.contains(&self.slug.as_str()) {
            errors.add(
                "slug",
                format!(
                    "“{}” is taken by another address here; choose another.",
                    self.slug
                ),
            );
        } else if db::slug_taken(db, level, parent_id, &self.slug, own_id).await? {
            let sibling = match level {
                Level::Path => "Another path",
                Level::Module => "Another module of this path",
                Level::Lesson => "Another lesson of this module",
            };
            errors.add("slug", format!("{sibling} already uses this slug."));
        }
        Ok(())
    }
}

/// A slug from a title: ASCII letters and digits in words joined by `-`.
pub(crate) fn slug_of(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let mut slug = String::new();
    for word in words {
        if slug.len() + word.len() + 1 > 80 {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word);
    }
    slug
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct MoveForm {
    pub direction: String,
}

/// One item of the curriculum, as moving and deleting need it.
pub(super) struct Item<'a> {
    pub level: Level,
    pub id: &'a str,
    /// The path of a module, the module of a lesson ("" for a path).
    pub parent_id: &'a str,
    pub slug: &'a str,
    /// How the audit log names it ("path/module/lesson" slugs).
    pub target: String,
}

/// Swaps `id` with its neighbour above ("up") or below ("down") in `ids`, the siblings in
/// their order: the indexes it moved from and to, or None when it is already at that end.
pub(super) fn swap_with_neighbour(
    ids: &mut [String],
    id: &str,
    direction: &str,
) -> Result<Option<(usize, usize)>, AppError> {
    let up = match direction {
        "up" => true,
        "down" => false,
        _ => return Err(AppError::BadRequest("Move it up or down.".into())),
    };
    let from = ids
        .iter()
        .position(|sibling| sibling == id)
        .ok_or(AppError::NotFound)?;
    let to = if up {
        from.checked_sub(1)
    } else {
        Some(from + 1)
    };
    let Some(to) = to.filter(|to| *to < ids.len()) else {
        return Ok(None);
    };
    ids.swap(from, to);
    Ok(Some((from, to)))
}

/// Moves the item one place up or down among its siblings and renumbers them 1, 2, 3 …,
/// with an audit entry; at either end it stays where it is.
pub(super) async fn move_item(
    db: &Db,
    editor: &User,
    item: Item<'_>,
    direction: &str,
) -> Result<(), AppError> {
    let mut tx = db.pool().begin().await?;
    let mut ids = db::sibling_ids(&mut *tx, item.level, item.parent_id).await?;
    if swap_with_neighbour(&mut ids, item.id, direction)?.is_none() {
        return Ok(());
    }
    for (position, sibling) in ids.iter().enumerate() {
        db::set_position(&mut *tx, item.level, sibling, position as i64 + 1).await?;
    }
    let action = format!("{}.move", item.level.name());
    audit(
        &mut tx,
        editor,
        &action,
        &item.target,
        direction,
        session::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_come_from_titles_in_ascii() {
        assert_eq!(
            slug_of("How Indexes Work (B-trees)"),
            "how-indexes-work-b-trees"
        );
        assert_eq!(slug_of("  Café & crème  "), "caf-cr-me");
        assert_eq!(slug_of("!!!"), "");
        assert!(slug_of(&"word ".repeat(40)).len() <= 80);
        assert!(valid_slug(&slug_of(&"word ".repeat(40))));
    }

    #[test]
    fn an_item_swaps_with_its_neighbour_and_stays_at_either_end() {
        let mut ids: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(
            swap_with_neighbour(&mut ids, "b", "up").unwrap(),
            Some((1, 0))
        );
        assert_eq!(ids, ["b", "a", "c"]);
        assert_eq!(swap_with_neighbour(&mut ids, "c", "down").unwrap(), None);
        assert_eq!(swap_with_neighbour(&mut ids, "b", "up").unwrap(), None);
        assert_eq!(ids, ["b", "a", "c"]);
        assert!(matches!(
            swap_with_neighbour(&mut ids, "a", "sideways"),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            swap_with_neighbour(&mut ids, "z", "up"),
            Err(AppError::NotFound)
        ));
    }
}
