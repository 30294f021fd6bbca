//! Extractors for the published path, module or lesson an address names (`/paths/{path}`,
//! `/paths/{path}/{module}/…`, `/paths/{path}/{module}/{lesson}/…`), found in the snapshot
//! without a query; anything unpublished or missing is a 404. Handlers that act on an item take
//! one of these rather than looking it up themselves.

use std::sync::Arc;

use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
};

use super::{
    Live,
    published::{Lesson, Module, Path, Snapshot},
};
use crate::{error::AppError, web};

/// A published path, held with the snapshot it was found in.
pub struct PathAt {
    pub tree: Arc<Snapshot>,
    path: usize,
}

/// A published module of a published path.
pub struct ModuleAt {
    pub tree: Arc<Snapshot>,
    path: usize,
    module: usize,
    /// The module page's address.
    pub href: String,
}

/// A published lesson of a published module.
pub struct LessonAt {
    pub tree: Arc<Snapshot>,
    path: usize,
    module: usize,
    lesson: usize,
    /// The lesson page's address.
    pub href: String,
}

impl PathAt {
    pub fn find(tree: Arc<Snapshot>, slug: &str) -> Option<Self> {
        let (path, _) = tree.path(slug)?;
        Some(Self { tree, path })
    }

    pub fn path(&self) -> &Path {
        &self.tree.paths[self.path]
    }
}

impl ModuleAt {
    pub fn find(tree: Arc<Snapshot>, path: &str, module: &str) -> Option<Self> {
        let (path_index, found) = tree.path(path)?;
        let (module_index, _) = found.module(module)?;
        Some(Self {
            href: format!("/paths/{path}/{module}"),
            tree,
            path: path_index,
            module: module_index,
        })
    }

    pub fn path(&self) -> &Path {
        &self.tree.paths[self.path]
    }

    pub fn module(&self) -> &Module {
        &self.path().modules[self.module]
    }
}

impl LessonAt {
    pub fn find(tree: Arc<Snapshot>, path: &str, module: &str, lesson: &str) -> Option<Self> {
        let (path_index, found_path) = tree.path(path)?;
        let (module_index, found_module) = found_path.module(module)?;
        let (lesson_index, _) = found_module.lesson(lesson)?;
        Some(Self {
            href: format!("/paths/{path}/{module}/{lesson}"),
            tree,
            path: path_index,
            module: module_index,
            lesson: lesson_index,
        })
    }

    pub fn path(&self) -> &Path {
        &self.tree.paths[self.path]
    }

    pub fn module(&self) -> &Module {
        &self.path().modules[self.module]
    }

    pub fn lesson(&self) -> &Lesson {
        &self.module().lessons[self.lesson]
    }

    /// 1-based position of the lesson in its module.
    pub fn number(&self) -> usize {
        self.lesson + 1
    }
}

impl<S> FromRequestParts<S> for PathAt
where
    Live: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let web::Path(path) = web::Path::<String>::from_request_parts(parts, state).await?;
        Self::find(Live::from_ref(state).now(), &path).ok_or(AppError::NotFound)
    }
}

impl<S> FromRequestParts<S> for ModuleAt
where
    Live: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let web::Path((path, module)) =
            web::Path::<(String, String)>::from_request_parts(parts, state).await?;
        Self::find(Live::from_ref(state).now(), &path, &module).ok_or(AppError::NotFound)
    }
}

impl<S> FromRequestParts<S> for LessonAt
where
    Live: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let web::Path((path, module, lesson)) =
            web::Path::<(String, String, String)>::from_request_parts(parts, state).await?;
        Self::find(Live::from_ref(state).now(), &path, &module, &lesson).ok_or(AppError::NotFound)
    }
}
