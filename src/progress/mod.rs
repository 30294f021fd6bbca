//! A learner over the curriculum: where they stand and what they did. [`Progress::load`] reads
//! it once per page in one statement; [`Progress::module_state`] is the one rule for a module's
//! state; [`certificate`] awards a path from it. Pages read progress through this layer and
//! never rebuild it themselves. Imports no page feature.

pub mod attempts;
pub mod certificate;
pub mod completions;
mod db;
pub mod export;
pub mod notes;
mod visits;

use std::collections::{HashMap, HashSet};

pub use db::{Also, VisitExport};
pub use visits::Visits;

use crate::{
    curriculum::published::{Lesson, Module, Path, Snapshot},
    db::Db,
};

/// Where a learner stands in a module. Done means every lesson done, every lab exercise
/// passed and the quiz (if any) passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleState {
    NotStarted,
    InProgress,
    Skipped,
    Done,
}

impl ModuleState {
    pub fn label(self) -> &'static str {
        match self {
            Self::NotStarted => "Not started",
            Self::InProgress => "In progress",
            Self::Skipped => "Skipped",
            Self::Done => "Done",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Self::NotStarted => "state-not-started",
            Self::InProgress => "state-in-progress",
            Self::Skipped => "state-skipped",
            Self::Done => "state-done",
        }
    }
}

/// A module's best quiz score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuizResult {
    pub best: i64,
    /// The best score reaches the quiz's pass mark.
    pub passed: bool,
    /// The first passing attempt (unix seconds), if any.
    pub first_passed_at: Option<i64>,
}

/// Everything a learner did, by item id. Ids of items no longer published may be present;
/// every question is asked through a published [`Module`] or [`Lesson`], so they never count.
#[derive(Debug, Default)]
pub struct Progress {
    /// Lesson id → when it was marked done (unix seconds).
    done: HashMap<String, i64>,
    skipped: HashSet<String>,
    /// Module id → its quiz result.
    quizzes: HashMap<String, QuizResult>,
    /// Exercise id → when first passed (unix seconds).
    passed: HashMap<String, i64>,
    /// Lesson id → when last opened (unix milliseconds).
    visits: HashMap<String, i64>,
    /// Asked for with [`Also::lesson`]: whether it is bookmarked, and its note (Markdown,
    /// when saved).
    pub bookmarked: bool,
    pub note: Option<(String, i64)>,
    /// Asked for with [`Also::history_since`], newest first.
    pub certificates: Vec<Earned>,
    pub attempts: Vec<AttemptAt>,
}

/// A certificate the learner holds.
#[derive(Debug, Clone)]
pub struct Earned {
    pub code: String,
    pub path_title: String,
    pub issued_at: i64,
}

impl Earned {
    pub fn issued_on(&self) -> String {
        crate::web::dates::date(self.issued_at)
    }
}

/// A quiz attempt, for the learner's history.
#[derive(Debug, Clone)]
pub struct AttemptAt {
    pub id: String,
    pub module_id: String,
    pub score: i64,
    pub at: i64,
}

/// The lesson a learner opened last, for "continue where you left off".
#[derive(Debug, Clone)]
pub struct LastVisit {
    pub href: String,
    pub lesson_title: String,
    pub module_title: String,
    pub visited_at: i64,
}

/// What the learner should read next, and why.
#[derive(Debug, Clone)]
pub struct NextStep {
    pub href: String,
    pub lesson_title: String,
    pub module_title: String,
    pub path_title: String,
    /// `Continue` (the lesson last opened, not done yet), `Next` (the first lesson not done after
    /// it) or `Start` (nothing in the path done yet).
    pub verb: &'static str,
}

impl Progress {
    /// The learner's progress in every path: one statement, plus the visits this instance has
    /// noted but not written yet (merged in memory, so a page view never writes).
    pub async fn load(db: &Db, visits: &Visits, user_id: &str) -> sqlx::Result<Self> {
        Self::load_with(db, visits, user_id, Also::default()).await
    }

    /// [`Progress::load`], with what `also` asks for read in the same statement.
    pub async fn load_with(
        db: &Db,
        visits: &Visits,
        user_id: &str,
        also: Also<'_>,
    ) -> sqlx::Result<Self> {
        let mut progress = Self::default();
        for fact in db::facts(db, user_id, also).await? {
            match fact.kind.as_str() {
                "done" => {
                    progress.done.insert(fact.item, fact.at);
                }
                "skip" => {
                    progress.skipped.insert(fact.item);
                }
                "quiz" => {
                    let result = QuizResult {
                        best: fact.score,
                        passed: fact.passed == 1,
                        first_passed_at: (fact.at > 0).then_some(fact.at),
                    };
                    progress.quizzes.insert(fact.item, result);
                }
                "lab" => {
                    progress.passed.insert(fact.item, fact.at);
                }
                "visit" => {
                    progress.visits.insert(fact.item, fact.at);
                }
                "bookmark" => progress.bookmarked = true,
                "note" => progress.note = fact.detail.map(|text| (text, fact.at)),
                "certificate" => progress.certificates.push(Earned {
                    code: fact.item,
                    path_title: fact.detail.unwrap_or_default(),
                    issued_at: fact.at,
                }),
                _ => progress.attempts.push(AttemptAt {
                    id: fact.item,
                    module_id: fact.detail.unwrap_or_default(),
                    score: fact.score,
                    at: fact.at,
                }),
            }
        }
        progress.certificates.sort_by_key(|c| c.issued_at);
        progress
            .attempts
            .sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id)));
        for (lesson, at) in visits.pending_of(user_id) {
            let time = progress.visits.entry(lesson).or_insert(at);
            *time = (*time).max(at);
        }
        Ok(progress)
    }

    pub fn is_done(&self, lesson_id: &str) -> bool {
        self.done.contains_key(lesson_id)
    }

    /// When the lesson was marked done (unix seconds).
    pub fn done_at(&self, lesson_id: &str) -> Option<i64> {
        self.done.get(lesson_id).copied()
    }

    pub fn is_passed(&self, exercise_id: &str) -> bool {
        self.passed.contains_key(exercise_id)
    }

    pub fn is_skipped(&self, module: &Module) -> bool {
        self.skipped.contains(&module.id)
    }

    pub fn quiz(&self, module: &Module) -> Option<QuizResult> {
        self.quizzes.get(&module.id).copied()
    }

    pub fn lessons_done(&self, module: &Module) -> usize {
        module
            .lessons
            .iter()
            .filter(|l| self.is_done(&l.id))
            .count()
    }

    pub fn exercises_passed(&self, module: &Module) -> usize {
        module
            .exercises
            .iter()
            .filter(|e| self.is_passed(&e.id))
            .count()
    }

    /// Lessons done plus exercises passed, out of [`Module::steps`].
    pub fn steps_done(&self, module: &Module) -> usize {
        self.lessons_done(module) + self.exercises_passed(module)
    }

    /// The one rule for a module's state: done when every lesson is done, every exercise
    /// passed and the quiz (if any) passed; skipped shows only while it is not done.
    pub fn module_state(&self, module: &Module) -> ModuleState {
        let state = self.state_ignoring_skip(module);
        if state != ModuleState::Done && self.is_skipped(module) {
            ModuleState::Skipped
        } else {
            state
        }
    }

    /// A skipped module still counts as not done for a certificate.
    fn state_ignoring_skip(&self, module: &Module) -> ModuleState {
        let quiz = self.quiz(module);
        let steps_done = self.steps_done(module);
        let quiz_passed = !module.has_quiz() || quiz.is_some_and(|q| q.passed);
        if steps_done == module.steps() && quiz_passed {
            ModuleState::Done
        } else if steps_done > 0 || quiz.is_some() {
            ModuleState::InProgress
        } else {
            ModuleState::NotStarted
        }
    }

    /// Every module of the path done (skips do not count), and the path not empty.
    pub fn path_complete(&self, path: &Path) -> bool {
        !path.modules.is_empty()
            && path
                .modules
                .iter()
                .all(|m| self.state_ignoring_skip(m) == ModuleState::Done)
    }

    /// When a done module was finished: the later of its last lesson completion, last
    /// exercise pass and first quiz pass.
    pub fn finished_at(&self, module: &Module) -> Option<i64> {
        let lessons = module.lessons.iter().filter_map(|l| self.done.get(&l.id));
        let exercises = module
            .exercises
            .iter()
            .filter_map(|e| self.passed.get(&e.id));
        lessons
            .chain(exercises)
            .copied()
            .chain(self.quiz(module).and_then(|q| q.first_passed_at))
            .max()
    }

    /// Published lessons of the path done.
    pub fn lessons_done_in(&self, path: &Path) -> usize {
        path.modules.iter().map(|m| self.lessons_done(m)).sum()
    }

    pub fn exercises_passed_in(&self, path: &Path) -> usize {
        path.modules.iter().map(|m| self.exercises_passed(m)).sum()
    }

    /// Anything recorded in the path at all.
    pub fn started(&self, path: &Path) -> bool {
        path.modules
            .iter()
            .any(|m| self.steps_done(m) > 0 || self.quiz(m).is_some() || self.is_skipped(m))
    }

    /// The next lesson to read: the one opened last if it is not done; otherwise the first lesson
    /// not done after it in its path (then from the path's start); for a learner who opened
    /// nothing, the first lesson not done of the first path begun, or of the first path.
    /// Skipped modules are left out. `None` when every such lesson is done.
    pub fn next_step(&self, tree: &Snapshot) -> Option<NextStep> {
        let last = tree
            .paths
            .iter()
            .flat_map(|path| path.lessons().map(move |(m, l)| (path, m, l)))
            .filter_map(|(path, module, lesson)| {
                Some((*self.visits.get(&lesson.id)?, path, module, lesson))
            })
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.3.id.cmp(&a.3.id)));
        let path = match last {
            Some((_, path, ..)) => path,
            None => tree
                .paths
                .iter()
                .find(|path| self.started(path))
                .or(tree.paths.first())?,
        };
        let lessons: Vec<_> = path
            .lessons()
            .filter(|(module, _)| !self.is_skipped(module))
            .collect();
        let after = last
            .and_then(|(.., opened)| lessons.iter().position(|(_, l)| l.id == opened.id))
            .unwrap_or(0);
        // From the lesson opened last (itself first), round to the path's start.
        let (module, lesson) = lessons[after..]
            .iter()
            .chain(&lessons[..after])
            .find(|(_, lesson)| !self.is_done(&lesson.id))?;
        let verb = if last.is_some_and(|(.., opened)| opened.id == lesson.id) {
            "Continue"
        } else if self.lessons_done_in(path) == 0 {
            "Start"
        } else {
            "Next"
        };
        Some(NextStep {
            href: lesson_href(path, module, lesson),
            lesson_title: lesson.title.clone(),
            module_title: module.title.clone(),
            path_title: path.title.clone(),
            verb,
        })
    }

    /// The published lesson opened last, in `path` or in any path.
    pub fn last_visit(&self, tree: &Snapshot, path: Option<&Path>) -> Option<LastVisit> {
        let paths: Vec<&Path> = match path {
            Some(path) => vec![path],
            None => tree.paths.iter().collect(),
        };
        paths
            .into_iter()
            .flat_map(|path| {
                path.lessons()
                    .map(move |(module, lesson)| (path, module, lesson))
            })
            .filter_map(|(path, module, lesson)| {
                let at = *self.visits.get(&lesson.id)?;
                Some((at, path, module, lesson))
            })
            // Newest first; equal times (rare, milliseconds) fall back to the lesson id.
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.3.id.cmp(&a.3.id)))
            .map(|(at, path, module, lesson)| LastVisit {
                href: lesson_href(path, module, lesson),
                lesson_title: lesson.title.clone(),
                module_title: module.title.clone(),
                visited_at: at,
            })
    }
}

/// Every lesson visit of the learner, for their data export (pending ones written first).
pub async fn visits_of(db: &Db, visits: &Visits, user_id: &str) -> sqlx::Result<Vec<VisitExport>> {
    visits.flush_for(user_id).await?;
    db::list_visits(db, user_id).await
}

pub fn lesson_href(path: &Path, module: &Module, lesson: &Lesson) -> String {
    format!("/paths/{}/{}/{}", path.slug, module.slug, lesson.slug)
}

/// The lesson page's progress widget: the done/undo button and the module's bar.
#[derive(Debug, Clone)]
pub struct Completion {
    pub lesson_href: String,
    pub done: bool,
    pub module_done: usize,
    pub module_total: usize,
    /// In an htmx response: also update the sidebar's bar (out of band).
    pub out_of_band: bool,
}

impl Completion {
    pub fn new(lesson_href: String, lesson: &Lesson, module: &Module, progress: &Progress) -> Self {
        Self {
            lesson_href,
            done: progress.is_done(&lesson.id),
            module_done: progress.lessons_done(module),
            module_total: module.lessons.len(),
            out_of_band: false,
        }
    }

    /// Where the button posts: undo when done, done otherwise.
    pub fn action(&self) -> String {
        let verb = if self.done { "incomplete" } else { "complete" };
        format!("{}/{verb}", self.lesson_href)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curriculum::{Slug, published::Exercise};

    fn slug(text: &str) -> Slug {
        Slug::parse(text).unwrap()
    }

    fn module(lessons: &[&str], exercises: &[&str], questions: i64) -> Module {
        Module {
            id: "m".into(),
            slug: slug("m"),
            title: "M".into(),
            summary: String::new(),
            position: 1,
            prerequisites: Vec::new(),
            question_count: questions,
            lessons: lessons
                .iter()
                .map(|id| Lesson {
                    id: (*id).into(),
                    slug: slug(id),
                    title: (*id).into(),
                    summary: String::new(),
                    body_html: String::new(),
                    body_text: String::new(),
                    body_markdown: String::new(),
                    reading_minutes: 5,
                    updated_at: 0,
                })
                .collect(),
            exercises: exercises
                .iter()
                .map(|id| Exercise {
                    id: (*id).into(),
                    slug: slug(id),
                    title: (*id).into(),
                    kind: "sql".into(),
                    href: String::new(),
                })
                .collect(),
            quiz: None,
        }
    }

    fn quiz(best: i64, passed: bool) -> QuizResult {
        QuizResult {
            best,
            passed,
            first_passed_at: passed.then_some(1),
        }
    }

    #[test]
    fn a_module_is_done_when_every_lesson_and_exercise_is_done_and_the_quiz_passed() {
        let module = module(&["a", "b"], &["x"], 5);
        let mut progress = Progress::default();
        assert_eq!(progress.module_state(&module), ModuleState::NotStarted);
        progress.done.insert("a".into(), 1);
        assert_eq!(progress.module_state(&module), ModuleState::InProgress);
        progress.done.insert("b".into(), 2);
        progress.passed.insert("x".into(), 3);
        assert_eq!(progress.module_state(&module), ModuleState::InProgress);
        progress.quizzes.insert("m".into(), quiz(60, false));
        assert_eq!(progress.module_state(&module), ModuleState::InProgress);
        progress.quizzes.insert("m".into(), quiz(80, true));
        assert_eq!(progress.module_state(&module), ModuleState::Done);
        assert_eq!(progress.finished_at(&module), Some(3));
    }

    #[test]
    fn a_quiz_attempt_alone_starts_a_module_and_a_module_without_quiz_needs_none() {
        let with_quiz = module(&["a"], &[], 5);
        let mut progress = Progress::default();
        progress.quizzes.insert("m".into(), quiz(40, false));
        assert_eq!(progress.module_state(&with_quiz), ModuleState::InProgress);
        let without_quiz = module(&["a"], &[], 0);
        let mut progress = Progress::default();
        progress.done.insert("a".into(), 1);
        assert_eq!(progress.module_state(&without_quiz), ModuleState::Done);
    }

    #[test]
    fn a_skip_shows_until_the_module_is_done_and_never_counts_toward_a_certificate() {
        let module = module(&["a"], &[], 0);
        let mut progress = Progress::default();
        progress.skipped.insert("m".into());
        assert_eq!(progress.module_state(&module), ModuleState::Skipped);
        let path = Path {
            id: "p".into(),
            slug: slug("p"),
            title: "P".into(),
            summary: String::new(),
            modules: vec![module],
        };
        assert!(!progress.path_complete(&path));
        progress.done.insert("a".into(), 1);
        assert_eq!(progress.module_state(&path.modules[0]), ModuleState::Done);
        assert!(progress.path_complete(&path));
    }

    #[test]
    fn ids_of_unpublished_items_never_count() {
        let module = module(&["a"], &[], 0);
        let mut progress = Progress::default();
        progress.done.insert("gone".into(), 1);
        assert_eq!(progress.lessons_done(&module), 0);
        assert_eq!(progress.module_state(&module), ModuleState::NotStarted);
    }

    #[test]
    fn the_next_step_continues_the_lesson_opened_last_then_moves_on_past_done_ones() {
        let tree = Snapshot {
            version: 1,
            paths: vec![Path {
                id: "p".into(),
                slug: slug("p"),
                title: "P".into(),
                summary: String::new(),
                modules: vec![module(&["a", "b", "c"], &[], 0)],
            }],
        };
        let step =
            |progress: &Progress| progress.next_step(&tree).map(|s| (s.verb, s.lesson_title));
        let mut progress = Progress::default();
        assert_eq!(step(&progress), Some(("Start", "a".into())));
        progress.visits.insert("b".into(), 10);
        assert_eq!(step(&progress), Some(("Continue", "b".into())));
        progress.done.insert("b".into(), 11);
        assert_eq!(step(&progress), Some(("Next", "c".into())));
        progress.done.insert("c".into(), 12);
        assert_eq!(
            step(&progress),
            Some(("Next", "a".into())),
            "round to the start"
        );
        progress.done.insert("a".into(), 13);
        assert_eq!(step(&progress), None, "all done");
        progress.done.clear();
        progress.skipped.insert("m".into());
        assert_eq!(step(&progress), None, "skipped modules are left out");
    }
}
