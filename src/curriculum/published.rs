//! The published curriculum as one immutable tree in memory. Pages read it without a query;
//! it is read from the database only when the curriculum's version moves (see [`super::live`]).
//!
//! Only what is published is here, at every level: a published lesson in an unpublished
//! module is absent, exactly like a missing page.

use std::{collections::HashMap, sync::Arc};

use super::Slug;

use sqlx::{Any, FromRow, Transaction};

/// Every published path, in catalogue order, as of `version`.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub version: i64,
    pub paths: Vec<Path>,
}

#[derive(Debug)]
pub struct Path {
    pub id: String,
    pub slug: Slug,
    pub title: String,
    pub summary: String,
    pub modules: Vec<Module>,
}

#[derive(Debug)]
pub struct Module {
    pub id: String,
    pub slug: Slug,
    pub title: String,
    pub summary: String,
    pub position: i64,
    /// Slugs of modules of the same path to take first (roadmap view), in authored order.
    pub prerequisites: Vec<Slug>,
    pub question_count: i64,
    pub lessons: Vec<Lesson>,
    pub exercises: Vec<Exercise>,
    /// Shared, so a quiz page holds it without copying.
    pub quiz: Option<Arc<Quiz>>,
}

#[derive(Debug)]
pub struct Quiz {
    pub id: String,
    pub title: String,
    /// Percent.
    pub pass_mark: i64,
    pub questions: Vec<Question>,
}

#[derive(Debug, FromRow)]
pub struct Question {
    pub id: String,
    pub kind: String,
    pub prompt_html: String,
    pub explanation_html: String,
    /// JSON, read by the grader only; never rendered into the quiz page.
    pub answer_key: String,
}

#[derive(Debug)]
pub struct Lesson {
    pub id: String,
    pub slug: Slug,
    pub title: String,
    pub summary: String,
    /// Rendered and sanitised when the lesson was saved.
    pub body_html: String,
    /// The text without markup, for search snippets.
    pub body_text: String,
    /// The Markdown source, as the API hands it out.
    pub body_markdown: String,
    pub reading_minutes: i64,
    pub updated_at: i64,
}

/// A lab exercise as outlines list it; the exercise itself (prompt, spec) is read by its page.
#[derive(Debug)]
pub struct Exercise {
    pub id: String,
    pub slug: Slug,
    pub title: String,
    /// `sql` or `http`.
    pub kind: String,
    pub href: String,
}

impl Snapshot {
    pub fn path(&self, slug: &str) -> Option<(usize, &Path)> {
        self.paths.iter().enumerate().find(|(_, p)| p.slug == slug)
    }

    pub fn path_by_id(&self, id: &str) -> Option<&Path> {
        self.paths.iter().find(|p| p.id == id)
    }

    pub fn module_by_id(&self, id: &str) -> Option<(&Path, &Module)> {
        self.paths.iter().find_map(|path| {
            let module = path.modules.iter().find(|m| m.id == id)?;
            Some((path, module))
        })
    }

    pub fn lesson_by_id(&self, id: &str) -> Option<(&Path, &Module, &Lesson)> {
        self.paths.iter().find_map(|path| {
            let (module, lesson) = path.lessons().find(|(_, l)| l.id == id)?;
            Some((path, module, lesson))
        })
    }
}

impl Path {
    pub fn href(&self) -> String {
        format!("/paths/{}", self.slug)
    }

    pub fn module(&self, slug: &str) -> Option<(usize, &Module)> {
        self.modules
            .iter()
            .enumerate()
            .find(|(_, m)| m.slug == slug)
    }

    /// Every lesson in reading order, with its module.
    pub fn lessons(&self) -> impl Iterator<Item = (&Module, &Lesson)> {
        self.modules
            .iter()
            .flat_map(|module| module.lessons.iter().map(move |lesson| (module, lesson)))
    }

    pub fn lesson_count(&self) -> usize {
        self.modules.iter().map(|m| m.lessons.len()).sum()
    }

    pub fn exercise_count(&self) -> usize {
        self.modules.iter().map(|m| m.exercises.len()).sum()
    }

    pub fn minutes(&self) -> i64 {
        self.modules.iter().map(Module::minutes).sum()
    }

    /// "4 h 25 min" or "40 min".
    pub fn reading_time(&self) -> String {
        let minutes = self.minutes();
        match (minutes / 60, minutes % 60) {
            (0, minutes) => format!("{minutes} min"),
            (hours, 0) => format!("{hours} h"),
            (hours, minutes) => format!("{hours} h {minutes} min"),
        }
    }

    /// The modules `module` names as prerequisites, as (slug, title), in path order.
    pub fn prerequisites_of<'a>(&'a self, module: &'a Module) -> Vec<(&'a str, &'a str)> {
        self.modules
            .iter()
            .filter(|m| module.prerequisites.contains(&m.slug))
            .map(|m| (m.slug.as_str(), m.title.as_str()))
            .collect()
    }
}

impl Module {
    pub fn has_quiz(&self) -> bool {
        self.question_count > 0
    }

    /// Lessons and exercises: what the module's progress counts.
    pub fn steps(&self) -> usize {
        self.lessons.len() + self.exercises.len()
    }

    pub fn minutes(&self) -> i64 {
        self.lessons.iter().map(|l| l.reading_minutes).sum()
    }

    pub fn lesson(&self, slug: &str) -> Option<(usize, &Lesson)> {
        self.lessons
            .iter()
            .enumerate()
            .find(|(_, l)| l.slug == slug)
    }
}

impl Lesson {
    pub fn updated_on(&self) -> String {
        crate::web::dates::date(self.updated_at)
    }
}

#[derive(FromRow)]
struct PathRow {
    id: String,
    // Only validated slugs are ever written; one that is not fails the reload loudly.
    #[sqlx(try_from = "String")]
    slug: Slug,
    title: String,
    summary: String,
}

#[derive(FromRow)]
struct ModuleRow {
    id: String,
    path_id: String,
    // Only validated slugs are ever written; one that is not fails the reload loudly.
    #[sqlx(try_from = "String")]
    slug: Slug,
    title: String,
    summary: String,
    position: i64,
    prerequisites: String,
}

#[derive(FromRow)]
struct LessonRow {
    id: String,
    module_id: String,
    // Only validated slugs are ever written; one that is not fails the reload loudly.
    #[sqlx(try_from = "String")]
    slug: Slug,
    title: String,
    summary: String,
    body_html: String,
    body_text: String,
    body_markdown: String,
    reading_minutes: i64,
    updated_at: i64,
}

#[derive(FromRow)]
struct QuizRow {
    id: String,
    module_id: String,
    title: String,
    pass_mark: i64,
}

#[derive(FromRow)]
struct QuestionRow {
    quiz_id: String,
    #[sqlx(flatten)]
    question: Question,
}

#[derive(FromRow)]
struct ExerciseRow {
    id: String,
    module_id: String,
    // Only validated slugs are ever written; one that is not fails the reload loudly.
    #[sqlx(try_from = "String")]
    slug: Slug,
    title: String,
    kind: String,
}

/// Published modules of published paths.
const PUBLISHED_MODULES: &str = "m.published = TRUE AND m.path_id IN \
     (SELECT id FROM paths WHERE published = TRUE)";

/// Reads the version and the published tree in `tx`, one consistent view: seven statements
/// whatever the curriculum's size, assembled here.
pub async fn load(tx: &mut Transaction<'_, Any>) -> sqlx::Result<Snapshot> {
    let version: i64 = sqlx::query_scalar("SELECT version FROM curriculum_version WHERE id = 1")
        .fetch_one(&mut **tx)
        .await?;
    let paths: Vec<PathRow> = sqlx::query_as(
        "SELECT id, slug, title, summary FROM paths WHERE published = TRUE \
         ORDER BY position, slug",
    )
    .fetch_all(&mut **tx)
    .await?;
    let modules: Vec<ModuleRow> = sqlx::query_as(&format!(
        "SELECT m.id, m.path_id, m.slug, m.title, m.summary, m.position, m.prerequisites \
         FROM modules m WHERE {PUBLISHED_MODULES} ORDER BY m.position, m.slug"
    ))
    .fetch_all(&mut **tx)
    .await?;
    let lessons: Vec<LessonRow> = sqlx::query_as(&format!(
        "SELECT l.id, l.module_id, l.slug, l.title, l.summary, l.body_html, l.body_text, l.body_markdown, l.reading_minutes, \
           l.updated_at \
         FROM lessons l JOIN modules m ON m.id = l.module_id \
         WHERE l.published = TRUE AND {PUBLISHED_MODULES} ORDER BY l.position, l.slug"
    ))
    .fetch_all(&mut **tx)
    .await?;
    let exercises: Vec<ExerciseRow> = sqlx::query_as(&format!(
        "SELECT e.id, e.module_id, e.slug, e.title, e.kind \
         FROM lab_exercises e JOIN modules m ON m.id = e.module_id \
         WHERE {PUBLISHED_MODULES} ORDER BY e.position, e.slug"
    ))
    .fetch_all(&mut **tx)
    .await?;
    let quizzes: Vec<QuizRow> = sqlx::query_as(&format!(
        "SELECT z.id, z.module_id, z.title, z.pass_mark \
         FROM quizzes z JOIN modules m ON m.id = z.module_id WHERE {PUBLISHED_MODULES}"
    ))
    .fetch_all(&mut **tx)
    .await?;
    let questions: Vec<QuestionRow> = sqlx::query_as(&format!(
        "SELECT q.quiz_id, q.id, q.kind, q.prompt_html, q.explanation_html, q.answer_key \
         FROM questions q JOIN quizzes z ON z.id = q.quiz_id JOIN modules m ON m.id = z.module_id \
         WHERE {PUBLISHED_MODULES} ORDER BY q.position, q.id"
    ))
    .fetch_all(&mut **tx)
    .await?;
    let quizzes = quizzes_by_module(quizzes, questions);
    Ok(assemble(
        version, paths, modules, lessons, exercises, quizzes,
    ))
}

/// Module id → its quiz with its questions in order.
fn quizzes_by_module(
    quizzes: Vec<QuizRow>,
    questions: Vec<QuestionRow>,
) -> HashMap<String, Arc<Quiz>> {
    let mut questions_of: HashMap<String, Vec<Question>> = HashMap::new();
    for row in questions {
        questions_of
            .entry(row.quiz_id)
            .or_default()
            .push(row.question);
    }
    quizzes
        .into_iter()
        .map(|row| {
            let quiz = Quiz {
                questions: questions_of.remove(&row.id).unwrap_or_default(),
                id: row.id,
                title: row.title,
                pass_mark: row.pass_mark,
            };
            (row.module_id, Arc::new(quiz))
        })
        .collect()
}

fn assemble(
    version: i64,
    paths: Vec<PathRow>,
    modules: Vec<ModuleRow>,
    lessons: Vec<LessonRow>,
    exercises: Vec<ExerciseRow>,
    mut quizzes: HashMap<String, Arc<Quiz>>,
) -> Snapshot {
    let mut lessons_of: HashMap<String, Vec<Lesson>> = HashMap::new();
    for row in lessons {
        lessons_of.entry(row.module_id).or_default().push(Lesson {
            id: row.id,
            slug: row.slug,
            title: row.title,
            summary: row.summary,
            body_html: row.body_html,
            body_text: row.body_text,
            body_markdown: row.body_markdown,
            reading_minutes: row.reading_minutes,
            updated_at: row.updated_at,
        });
    }
    let mut exercises_of: HashMap<String, Vec<ExerciseRow>> = HashMap::new();
    for row in exercises {
        exercises_of
            .entry(row.module_id.clone())
            .or_default()
            .push(row);
    }
    let mut modules_of: HashMap<String, Vec<ModuleRow>> = HashMap::new();
    for row in modules {
        modules_of.entry(row.path_id.clone()).or_default().push(row);
    }
    let paths = paths
        .into_iter()
        .map(|path| {
            let modules = modules_of
                .remove(&path.id)
                .unwrap_or_default()
                .into_iter()
                .map(|module| {
                    let quiz = quizzes.remove(&module.id);
                    Module {
                        question_count: quiz.as_ref().map_or(0, |q| q.questions.len() as i64),
                        quiz,
                        lessons: lessons_of.remove(&module.id).unwrap_or_default(),
                        exercises: exercises_of
                            .remove(&module.id)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|e| Exercise {
                                href: format!(
                                    "/paths/{}/{}/labs/{}",
                                    path.slug, module.slug, e.slug
                                ),
                                id: e.id,
                                slug: e.slug,
                                title: e.title,
                                kind: e.kind,
                            })
                            .collect(),
                        // Stored as a JSON array by the importer and the editor, both validated.
                        prerequisites: serde_json::from_str(&module.prerequisites)
                            .unwrap_or_default(),
                        id: module.id,
                        slug: module.slug,
                        title: module.title,
                        summary: module.summary,
                        position: module.position,
                    }
                })
                .collect();
            Path {
                id: path.id,
                slug: path.slug,
                title: path.title,
                summary: path.summary,
                modules,
            }
        })
        .collect();
    Snapshot { version, paths }
}
