//! The curriculum: the one owner of paths, modules, lessons, quizzes, questions and exercises.
//! The published tree served from memory ([`published`], kept current by [`Live`]), the
//! extractors that find an item by its address ([`place`]), the file format, and moving it
//! between files and the database. Imports no page feature.
//!
//! `import` upserts by UUID in one transaction and reports what changed; running it twice
//! changes nothing. `export` writes the same format back, so content can live in git. The
//! bundled `content/` folder is embedded in the binary and imported into an empty database.

pub mod archive;
pub mod db;
pub mod files;
mod live;
mod place;
pub mod publish;
pub mod published;
mod slug;

pub use live::{CHECK_EVERY, Live, refresh_after_changes};
pub use place::{LessonAt, ModuleAt, PathAt};
pub use slug::{NotASlug, Slug};

use std::{
    collections::{BTreeMap, HashMap},
    fmt,
    path::Path,
};

use anyhow::Context;
use files::{
    AnswerKey, Curriculum, Exercise, LabKind, Labs, LessonDoc, Meta, ModuleDoc, ModuleMeta,
    PathDoc, Question, QuestionKind, Quiz, Tree,
};

use crate::{db::Db, render::markdown};

/// The bundled curriculum, compiled into the binary.
#[derive(rust_embed::Embed)]
#[folder = "content/"]
struct Bundled;

pub fn bundled_tree() -> Tree {
    Bundled::iter()
        .filter_map(|name| {
            let file = Bundled::get(&name)?;
            Some((
                name.into_owned(),
                String::from_utf8_lossy(&file.data).into_owned(),
            ))
        })
        .collect()
}

/// Reads every file under `dir` into a tree.
pub fn read_dir(dir: &Path) -> anyhow::Result<Tree> {
    fn walk(base: &Path, dir: &Path, tree: &mut Tree) -> anyhow::Result<()> {
        for entry in
            std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                walk(base, &path, tree)?;
            } else {
                let relative = path
                    .strip_prefix(base)?
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                tree.insert(relative, text);
            }
        }
        Ok(())
    }
    let mut tree = Tree::new();
    walk(dir, dir, &mut tree)?;
    Ok(tree)
}

/// Writes `tree` under `dir`, which must be empty or missing (so no stale file survives).
pub fn write_dir(dir: &Path, tree: &Tree) -> anyhow::Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        anyhow::bail!(
            "{} is not empty; export into a new or empty folder",
            dir.display()
        );
    }
    for (file, text) in tree {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// What an import did (or, in a dry run, would do), per kind of item.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// kind → [created, updated, unchanged]
    pub counts: BTreeMap<&'static str, [usize; 3]>,
    /// The items created or updated, in import order, so an editor sees what an import touches.
    pub changes: Vec<ChangedItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedItem {
    /// "path", "module", "lesson", "quiz" or "question"
    pub kind: &'static str,
    pub created: bool,
    /// Readable: `path-slug/module-slug/lesson-slug`, `… quiz, question 3`.
    pub name: String,
}

/// One line of a report, for pages and sessions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReportRow {
    pub kind: String,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// The kinds, in the order reports list them.
pub const KINDS: [&str; 6] = [
    "paths",
    "modules",
    "lessons",
    "quizzes",
    "questions",
    "exercises",
];

impl ImportReport {
    fn note(&mut self, kind: &'static str, change: Change, name: impl FnOnce() -> String) {
        self.counts.entry(kind).or_default()[change as usize] += 1;
        if !matches!(change, Change::Unchanged) {
            self.changes.push(ChangedItem {
                kind: match kind {
                    "paths" => "path",
                    "modules" => "module",
                    "lessons" => "lesson",
                    "quizzes" => "quiz",
                    "exercises" => "exercise",
                    _ => "question",
                },
                created: matches!(change, Change::Created),
                name: name(),
            });
        }
    }

    pub fn changed(&self) -> usize {
        self.counts
            .values()
            .map(|[created, updated, _]| created + updated)
            .sum()
    }

    /// Every kind, in order, zeros included.
    pub fn rows(&self) -> Vec<ReportRow> {
        KINDS
            .iter()
            .map(|kind| {
                let [created, updated, unchanged] =
                    self.counts.get(kind).copied().unwrap_or_default();
                ReportRow {
                    kind: (*kind).to_owned(),
                    created,
                    updated,
                    unchanged,
                }
            })
            .collect()
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for row in self.rows() {
            writeln!(
                f,
                "{:>10}: {} created, {} updated, {} unchanged",
                row.kind, row.created, row.updated, row.unchanged
            )?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Change {
    Created = 0,
    Updated = 1,
    Unchanged = 2,
}

fn compare<T: PartialEq>(existing: Option<&T>, new: &T) -> Change {
    match existing {
        None => Change::Created,
        Some(old) if old == new => Change::Unchanged,
        Some(_) => Change::Updated,
    }
}

fn by_id<T>(rows: Vec<T>, id: impl Fn(&T) -> &str) -> HashMap<String, T> {
    rows.into_iter()
        .map(|row| (id(&row).to_owned(), row))
        .collect()
}

/// Upserts the whole curriculum in one transaction: all of it, or (on any error) none of it.
pub async fn import(db: &Db, curriculum: &Curriculum) -> anyhow::Result<ImportReport> {
    let mut tx = db.pool().begin().await?;
    let report = import_in(&mut tx, curriculum).await?;
    tx.commit().await?;
    Ok(report)
}

/// Runs the same import and rolls it back: the report of what `import` would change, and
/// any error it would meet (a slug taken by another item, say), with the database untouched.
pub async fn dry_run(db: &Db, curriculum: &Curriculum) -> anyhow::Result<ImportReport> {
    let mut tx = db.pool().begin().await?;
    let report = import_in(&mut tx, curriculum).await;
    tx.rollback().await?;
    report
}

/// The import inside the caller's transaction, so the caller can add to it (an audit entry)
/// and decide whether to commit.
pub async fn import_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    curriculum: &Curriculum,
) -> anyhow::Result<ImportReport> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let paths = by_id(db::list_paths(&mut **tx).await?, |row| &row.id);
    let modules = by_id(db::list_modules(&mut **tx).await?, |row| &row.id);
    let lessons = by_id(db::list_lessons(&mut **tx).await?, |row| &row.id);
    let quizzes = by_id(db::list_quizzes(&mut **tx).await?, |row| &row.id);
    let questions = by_id(db::list_questions(&mut **tx).await?, |row| &row.id);
    let exercises = by_id(db::list_exercises(&mut **tx).await?, |row| &row.id);
    let mut report = ImportReport::default();

    for path in &curriculum.paths {
        let row = path_row(&path.meta);
        let change = compare(paths.get(&row.id), &row);
        if !matches!(change, Change::Unchanged) {
            db::upsert_path(&mut **tx, &row, now)
                .await
                .with_context(|| format!("path {}", row.slug))?;
        }
        report.note("paths", change, || path.meta.slug.clone());

        for module in &path.modules {
            let row = module_row(&module.meta, &path.meta.uuid);
            let change = compare(modules.get(&row.id), &row);
            if !matches!(change, Change::Unchanged) {
                db::upsert_module(&mut **tx, &row, now)
                    .await
                    .with_context(|| format!("module {}", row.slug))?;
            }
            report.note("modules", change, || {
                format!("{}/{}", path.meta.slug, module.meta.slug)
            });

            for lesson in &module.lessons {
                let row = lesson_row(lesson, &module.meta.uuid);
                let change = compare(lessons.get(&row.id), &row);
                if !matches!(change, Change::Unchanged) {
                    let rendered = markdown::render(&row.body_markdown);
                    let rendering = db::LessonRendering {
                        html: &rendered.html,
                        text: &rendered.text,
                        words: rendered.words as i64,
                        reading_minutes: rendered.reading_minutes as i64,
                    };
                    db::upsert_lesson(&mut **tx, &row, rendering, now)
                        .await
                        .with_context(|| format!("lesson {}/{}", module.meta.slug, row.slug))?;
                }
                report.note("lessons", change, || {
                    format!(
                        "{}/{}/{}",
                        path.meta.slug, module.meta.slug, lesson.meta.slug
                    )
                });
            }

            // A plain loop: an iterator adapter held across the awaits would make this
            // future's Send bound unprovable for the handlers that import.
            if let Some(labs) = &module.labs {
                for exercise in &labs.exercises {
                    let row = exercise_row(labs, exercise, &module.meta.uuid)?;
                    let change = compare(exercises.get(&row.id), &row);
                    if !matches!(change, Change::Unchanged) {
                        let prompt = markdown::render(&row.prompt_markdown).html;
                        db::upsert_exercise(&mut **tx, &row, &prompt, now)
                            .await
                            .with_context(|| {
                                format!("exercise {}/{}", module.meta.slug, row.slug)
                            })?;
                    }
                    report.note("exercises", change, || {
                        format!("{}/{}/labs/{}", path.meta.slug, module.meta.slug, row.slug)
                    });
                }
            }

            let Some(quiz) = &module.quiz else { continue };
            let row = db::QuizRow {
                id: quiz.uuid.clone(),
                module_id: module.meta.uuid.clone(),
                title: quiz.title.clone(),
                pass_mark: quiz.pass_mark,
            };
            let change = compare(quizzes.get(&row.id), &row);
            if !matches!(change, Change::Unchanged) {
                db::upsert_quiz(&mut **tx, &row, now)
                    .await
                    .with_context(|| format!("quiz of {}", module.meta.slug))?;
            }
            report.note("quizzes", change, || {
                format!("{}/{} quiz", path.meta.slug, module.meta.slug)
            });

            for (index, question) in quiz.questions.iter().enumerate() {
                let row = question_row(question, &quiz.uuid, index)?;
                let change = compare(questions.get(&row.id), &row);
                if !matches!(change, Change::Unchanged) {
                    let prompt = markdown::render(&row.prompt_markdown).html;
                    let explanation = markdown::render(&row.explanation_markdown).html;
                    db::upsert_question(&mut **tx, &row, &prompt, &explanation, now)
                        .await
                        .with_context(|| {
                            format!("quiz of {}, question {}", module.meta.slug, index + 1)
                        })?;
                }
                report.note("questions", change, || {
                    format!(
                        "{}/{} quiz, question {}",
                        path.meta.slug,
                        module.meta.slug,
                        index + 1
                    )
                });
            }
        }
    }
    Ok(report)
}

fn path_row(meta: &Meta) -> db::PathRow {
    db::PathRow {
        id: meta.uuid.clone(),
        slug: meta.slug.clone(),
        title: meta.title.clone(),
        summary: meta.summary.clone(),
        position: meta.position,
        published: i64::from(meta.published),
    }
}

fn module_row(meta: &ModuleMeta, path_id: &str) -> db::ModuleRow {
    db::ModuleRow {
        id: meta.uuid.clone(),
        path_id: path_id.to_owned(),
        slug: meta.slug.clone(),
        title: meta.title.clone(),
        summary: meta.summary.clone(),
        position: meta.position,
        published: i64::from(meta.published),
        prerequisites: serde_json::to_string(&meta.prerequisites).unwrap_or_else(|_| "[]".into()),
    }
}

fn lesson_row(lesson: &LessonDoc, module_id: &str) -> db::LessonRow {
    db::LessonRow {
        id: lesson.meta.uuid.clone(),
        module_id: module_id.to_owned(),
        slug: lesson.meta.slug.clone(),
        title: lesson.meta.title.clone(),
        summary: lesson.meta.summary.clone(),
        position: lesson.meta.position,
        published: i64::from(lesson.meta.published),
        body_markdown: lesson.body.clone(),
    }
}

fn question_row(
    question: &Question,
    quiz_id: &str,
    index: usize,
) -> anyhow::Result<db::QuestionRow> {
    Ok(db::QuestionRow {
        id: question.uuid.clone(),
        quiz_id: quiz_id.to_owned(),
        position: index as i64 + 1,
        kind: question.kind.as_str().to_owned(),
        prompt_markdown: question.prompt.clone(),
        explanation_markdown: question.explanation.clone(),
        answer_key: serde_json::to_string(&question.key())?,
    })
}

fn exercise_row(
    labs: &Labs,
    exercise: &Exercise,
    module_id: &str,
) -> anyhow::Result<db::ExerciseRow> {
    let spec = match exercise.kind {
        LabKind::Sql => serde_json::to_string(
            &labs
                .sql_spec(exercise)
                .with_context(|| format!("exercise {} has no dataset", exercise.slug))?,
        )?,
        LabKind::Http => serde_json::to_string(&exercise.goal)?,
    };
    Ok(db::ExerciseRow {
        id: exercise.uuid.clone(),
        module_id: module_id.to_owned(),
        slug: exercise.slug.clone(),
        title: exercise.title.clone(),
        position: exercise.position,
        kind: exercise.kind.as_str().to_owned(),
        prompt_markdown: exercise.prompt.clone(),
        spec,
    })
}

/// A module's exercises back in the file format; datasets are gathered from their specs.
fn labs_of(rows: Vec<db::ExerciseRow>) -> anyhow::Result<Labs> {
    let mut labs = Labs::default();
    for row in rows {
        let kind = LabKind::parse(&row.kind)
            .with_context(|| format!("exercise {} has kind {}", row.id, row.kind))?;
        let (sql, goal) = match kind {
            LabKind::Sql => {
                let spec: crate::grading::sql::SqlSpec = serde_json::from_str(&row.spec)?;
                labs.datasets
                    .insert(spec.exercise.dataset.clone(), spec.setup);
                (Some(spec.exercise), None)
            }
            LabKind::Http => (None, serde_json::from_str(&row.spec)?),
        };
        labs.exercises.push(Exercise {
            uuid: row.id,
            slug: row.slug,
            title: row.title,
            position: row.position,
            kind,
            prompt: row.prompt_markdown,
            sql,
            goal,
        });
    }
    Ok(labs)
}

/// Reads the whole curriculum back out of the database.
pub async fn export(db: &Db) -> anyhow::Result<Curriculum> {
    let pool = db.pool();
    let (paths, modules, lessons, quizzes, questions) = (
        db::list_paths(pool).await?,
        db::list_modules(pool).await?,
        db::list_lessons(pool).await?,
        db::list_quizzes(pool).await?,
        db::list_questions(pool).await?,
    );
    let mut exercises_of: HashMap<String, Vec<db::ExerciseRow>> = HashMap::new();
    for row in db::list_exercises(pool).await? {
        exercises_of
            .entry(row.module_id.clone())
            .or_default()
            .push(row);
    }
    let mut questions_of: HashMap<String, Vec<Question>> = HashMap::new();
    for row in questions {
        let key: AnswerKey = serde_json::from_str(&row.answer_key)?;
        let kind = QuestionKind::parse(&row.kind)
            .with_context(|| format!("question {} has kind {}", row.id, row.kind))?;
        questions_of.entry(row.quiz_id).or_default().push(Question {
            uuid: row.id,
            kind,
            prompt: row.prompt_markdown,
            explanation: row.explanation_markdown,
            answer: key.answer,
            tolerance: key.tolerance,
            accepted: key.accepted,
            choices: key.choices,
        });
    }
    let mut quiz_of: HashMap<String, Quiz> = HashMap::new();
    for row in quizzes {
        let questions = questions_of.remove(&row.id).unwrap_or_default();
        quiz_of.insert(
            row.module_id,
            Quiz {
                uuid: row.id,
                title: row.title,
                pass_mark: row.pass_mark,
                questions,
            },
        );
    }
    let mut lessons_of: HashMap<String, Vec<LessonDoc>> = HashMap::new();
    for row in lessons {
        lessons_of
            .entry(row.module_id)
            .or_default()
            .push(LessonDoc {
                meta: Meta {
                    uuid: row.id,
                    slug: row.slug,
                    title: row.title,
                    summary: row.summary,
                    position: row.position,
                    published: row.published != 0,
                },
                body: row.body_markdown,
            });
    }
    let mut modules_of: HashMap<String, Vec<ModuleDoc>> = HashMap::new();
    for row in modules {
        modules_of.entry(row.path_id).or_default().push(ModuleDoc {
            lessons: lessons_of.remove(&row.id).unwrap_or_default(),
            quiz: quiz_of.remove(&row.id),
            labs: exercises_of.remove(&row.id).map(labs_of).transpose()?,
            meta: ModuleMeta {
                prerequisites: serde_json::from_str(&row.prerequisites)?,
                uuid: row.id,
                slug: row.slug,
                title: row.title,
                summary: row.summary,
                position: row.position,
                published: row.published != 0,
            },
        });
    }
    let paths = paths
        .into_iter()
        .map(|row| PathDoc {
            modules: modules_of.remove(&row.id).unwrap_or_default(),
            meta: Meta {
                uuid: row.id,
                slug: row.slug,
                title: row.title,
                summary: row.summary,
                position: row.position,
                published: row.published != 0,
            },
        })
        .collect();
    Ok(Curriculum { paths })
}

/// Imports the bundled curriculum when the database has none yet (first start).
pub async fn import_bundled_if_empty(db: &Db) -> anyhow::Result<Option<ImportReport>> {
    let mut tx = db.pool().begin().await?;
    // Instances starting together on one empty database: the claim locks its row until this
    // transaction ends, so the second waits, then finds the first one's curriculum.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    crate::db::claim_startup(&mut *tx, "bundled_import", now, 0).await?;
    if db::count_paths(&mut *tx).await? > 0 {
        return Ok(None);
    }
    let curriculum = files::parse(&bundled_tree()).map_err(|problems| {
        anyhow::anyhow!("the bundled content is invalid:\n{}", problems.join("\n"))
    })?;
    let report = import_in(&mut tx, &curriculum).await?;
    tx.commit().await?;
    Ok(Some(report))
}
