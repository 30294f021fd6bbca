//! The sandbox a learner's SQL runs in: a fresh in-memory SQLite per run, seeded from the
//! exercise's dataset, then locked down before the learner's text is even prepared.
//!
//! The rule: nothing here trusts the learner's SQL. An authorizer allows only the statement
//! kinds the exercise grants (read-only by default; never ATTACH, PRAGMA or extensions), a
//! progress handler stops any statement past its deadline, and limits bound the SQL length,
//! the rows kept and the size of the output. Everything is synchronous: callers run it on a
//! blocking worker, never on the async runtime.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use rusqlite::{
    Batch, Connection, ErrorCode,
    hooks::{AuthAction, AuthContext, Authorization},
    limits::Limit,
    types::ValueRef,
};
use serde::{Deserialize, Serialize};

/// Longest SQL a learner may submit, in bytes.
pub const MAX_SQL_BYTES: usize = 10_000;
/// Rows kept from one result; more is an error (the learner should add a LIMIT).
pub const MAX_ROWS: usize = 500;
/// Text kept from one result, summed over its cells.
pub const MAX_OUTPUT_BYTES: usize = 200_000;
/// Statements in one submission.
pub const MAX_STATEMENTS: usize = 20;
/// How long the learner's SQL may run, all statements together.
pub const TIME_LIMIT: Duration = Duration::from_secs(1);
/// How long trusted work may take before the learner's clock starts (a busy machine must
/// not fail a dataset load).
const SETUP_LIMIT: Duration = Duration::from_secs(30);
/// Longest string or blob a statement may build (stops `zeroblob(1e9)` and friends).
const MAX_VALUE_BYTES: i32 = 1_000_000;

/// What an exercise lets the learner's SQL do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Select,
    Insert,
    Update,
    Delete,
    Transaction,
    CreateIndex,
    CreateTable,
}

impl Permission {
    pub fn label(self) -> &'static str {
        match self {
            Self::Select => "SELECT",
            Self::Insert => "INSERT",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
            Self::Transaction => "BEGIN/COMMIT/ROLLBACK",
            Self::CreateIndex => "CREATE INDEX",
            Self::CreateTable => "CREATE TABLE",
        }
    }
}

/// A cell as shown and compared: NULL, or SQLite's text form of the value.
pub type Cell = Option<String>;

/// A result: column names and rows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// What the learner's script did: the result of its last statement that returns rows,
/// and whether it opened a transaction and committed it.
#[derive(Debug, Clone, Default)]
pub struct ScriptRun {
    pub result: Option<Table>,
    pub used_transaction: bool,
    pub left_open: bool,
}

/// A connection with the exercise's dataset loaded.
pub struct Sandbox {
    conn: Connection,
    /// Set by the authorizer when it refuses something, so the error can say what.
    refused: Arc<Mutex<Option<String>>>,
    deadline: Arc<Mutex<Instant>>,
}

impl Sandbox {
    /// A fresh in-memory database built from `setup` (trusted: it comes from the content
    /// files). Foreign keys are on, as a learner would expect.
    pub fn new(setup: &str) -> Result<Self, String> {
        let conn = Connection::open_in_memory().map_err(|e| e.to_string())?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")
            .map_err(|e| e.to_string())?;
        conn.execute_batch(setup)
            .map_err(|e| format!("the dataset does not load: {e}"))?;
        conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0);
        conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES);
        conn.set_limit(Limit::SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES as i32);
        // Generous until [`Sandbox::start_clock`]: only trusted setup and checks run before it.
        let deadline = Arc::new(Mutex::new(Instant::now() + SETUP_LIMIT));
        let watched = deadline.clone();
        conn.progress_handler(
            1_000,
            Some(move || watched.lock().is_ok_and(|d| Instant::now() > *d)),
        );
        Ok(Self {
            conn,
            refused: Arc::new(Mutex::new(None)),
            deadline,
        })
    }

    /// Starts the clock: everything run from now on shares `limit` (at most [`TIME_LIMIT`]).
    pub fn start_clock(&self, limit: Duration) {
        if let Ok(mut deadline) = self.deadline.lock() {
            *deadline = Instant::now() + limit.min(TIME_LIMIT);
        }
    }

    /// From now on, only what `allowed` grants may be prepared.
    pub fn restrict(&self, allowed: &[Permission]) {
        let allowed = allowed.to_vec();
        let refused = self.refused.clone();
        self.conn.authorizer(Some(move |context: AuthContext<'_>| {
            match verdict(&allowed, &context.action) {
                Ok(()) => Authorization::Allow,
                Err(why) => {
                    if let Ok(mut slot) = refused.lock() {
                        slot.get_or_insert(why);
                    }
                    Authorization::Deny
                }
            }
        }));
    }

    /// Lifts the authorizer, for the checker's own (trusted) statements.
    pub fn unrestrict(&self) {
        self.conn
            .authorizer(None::<fn(AuthContext<'_>) -> Authorization>);
    }

    /// Runs the learner's script statement by statement.
    pub fn run_script(&self, sql: &str) -> Result<ScriptRun, String> {
        if sql.len() > MAX_SQL_BYTES {
            return Err(format!(
                "Your SQL is {} bytes long; the limit is {MAX_SQL_BYTES}.",
                sql.len()
            ));
        }
        if sql.trim().is_empty() {
            return Err("There is no SQL to run.".into());
        }
        let mut run = ScriptRun::default();
        let mut batch = Batch::new(&self.conn, sql);
        let mut count = 0;
        loop {
            let statement = match batch.next() {
                Ok(Some(statement)) => statement,
                Ok(None) => break,
                Err(error) => return Err(self.explain(error)),
            };
            count += 1;
            if count > MAX_STATEMENTS {
                return Err(format!(
                    "Your SQL has more than {MAX_STATEMENTS} statements."
                ));
            }
            let mut statement = statement;
            if statement.column_count() > 0 {
                run.result = Some(collect(&mut statement).map_err(|e| self.explain(e))?);
            } else {
                statement.raw_execute().map_err(|e| self.explain(e))?;
            }
            if !self.conn.is_autocommit() {
                run.used_transaction = true;
            }
        }
        run.left_open = !self.conn.is_autocommit();
        Ok(run)
    }

    /// Runs one query with named parameters bound (`("name", "value")` binds `:name`).
    pub fn query(&self, sql: &str, params: &[(String, String)]) -> Result<Table, String> {
        let mut statement = self.conn.prepare(sql).map_err(|e| self.explain(e))?;
        let count = statement.parameter_count();
        for index in 1..=count {
            let name = statement
                .parameter_name(index)
                .map(|n| n.trim_start_matches([':', '@', '$']).to_owned());
            let Some(name) = name else {
                return Err("Use named placeholders such as :name, not ?.".into());
            };
            let Some((_, value)) = params.iter().find(|(key, _)| *key == name) else {
                return Err(format!("The placeholder :{name} is not one of the inputs."));
            };
            statement
                .raw_bind_parameter(index, value)
                .map_err(|e| self.explain(e))?;
        }
        collect(&mut statement).map_err(|e| self.explain(e))
    }

    /// Runs one trusted statement that returns no rows (a checker's probe insert).
    pub fn execute(&self, sql: &str) -> Result<(), String> {
        self.conn.execute_batch(sql).map_err(|e| self.explain(e))
    }

    /// The named parameters of a statement, without their `:` prefix.
    pub fn parameters(&self, sql: &str) -> Result<Vec<String>, String> {
        let statement = self.conn.prepare(sql).map_err(|e| self.explain(e))?;
        (1..=statement.parameter_count())
            .map(|index| {
                statement
                    .parameter_name(index)
                    .map(|n| n.trim_start_matches([':', '@', '$']).to_owned())
                    .ok_or_else(|| "Use named placeholders such as :name, not ?.".to_owned())
            })
            .collect()
    }

    /// The detail lines of `EXPLAIN QUERY PLAN <sql>`.
    pub fn plan(&self, sql: &str) -> Result<Vec<String>, String> {
        let table = self.query(&format!("EXPLAIN QUERY PLAN {sql}"), &[])?;
        Ok(table
            .rows
            .into_iter()
            .filter_map(|row| row.last().cloned().flatten())
            .collect())
    }

    /// A learner-facing message for an error: what was refused, a timeout, or SQLite's
    /// own message about their SQL.
    fn explain(&self, error: rusqlite::Error) -> String {
        if let Some(why) = self.refused.lock().ok().and_then(|mut slot| slot.take()) {
            return why;
        }
        match &error {
            rusqlite::Error::SqliteFailure(code, _)
                if code.code == ErrorCode::OperationInterrupted =>
            {
                format!(
                    "Stopped: your SQL ran longer than the time limit of {} second.",
                    TIME_LIMIT.as_secs()
                )
            }
            rusqlite::Error::SqliteFailure(code, _) if code.code == ErrorCode::TooBig => {
                "Stopped: a value or the statement grew too big.".into()
            }
            rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
            rusqlite::Error::ExecuteReturnedResults => {
                "That statement returns rows where none were expected.".into()
            }
            other => other.to_string(),
        }
    }
}

/// Reads every row of a prepared statement, within the row and output limits.
fn collect(statement: &mut rusqlite::Statement<'_>) -> rusqlite::Result<Table> {
    let columns: Vec<String> = statement
        .column_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let width = columns.len();
    let mut rows = Vec::new();
    let mut bytes = 0;
    let mut raw = statement.raw_query();
    while let Some(row) = raw.next()? {
        if rows.len() == MAX_ROWS {
            return Err(too_much(format!(
                "The result has more than {MAX_ROWS} rows; narrow it down or add a LIMIT."
            )));
        }
        let mut cells = Vec::with_capacity(width);
        for index in 0..width {
            let cell = cell_of(row.get_ref(index)?);
            bytes += cell.as_ref().map_or(4, String::len);
            cells.push(cell);
        }
        if bytes > MAX_OUTPUT_BYTES {
            return Err(too_much(format!(
                "The result is larger than {} kB; select fewer or shorter values.",
                MAX_OUTPUT_BYTES / 1000
            )));
        }
        rows.push(cells);
    }
    Ok(Table { columns, rows })
}

fn too_much(message: String) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
        Some(message),
    )
}

fn cell_of(value: ValueRef<'_>) -> Cell {
    match value {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(r) => Some(real(r)),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Some(format!(
            "x'{}'",
            b.iter()
                .map(|byte| format!("{byte:02x}"))
                .collect::<String>()
        )),
    }
}

/// Reals are rounded to 6 decimals, so two correct queries that add in a different order
/// still agree.
fn real(value: f64) -> String {
    let text = format!("{value:.6}");
    let text = text.trim_end_matches('0');
    if let Some(whole) = text.strip_suffix('.') {
        format!("{whole}.0")
    } else {
        text.to_owned()
    }
}

fn is_internal(table: &str) -> bool {
    table.starts_with("sqlite_")
}

/// Whether the exercise's permissions allow one step the authorizer asks about.
fn verdict(allowed: &[Permission], action: &AuthAction<'_>) -> Result<(), String> {
    let may = |p: Permission| allowed.contains(&p);
    let creates = may(Permission::CreateIndex) || may(Permission::CreateTable);
    let granted = match action {
        AuthAction::Select | AuthAction::Recursive | AuthAction::Read { .. } => true,
        AuthAction::Function { function_name } => {
            !function_name.eq_ignore_ascii_case("load_extension")
        }
        AuthAction::Insert { table_name } if is_internal(table_name) => creates,
        AuthAction::Update { table_name, .. } if is_internal(table_name) => creates,
        AuthAction::Insert { .. } => may(Permission::Insert),
        AuthAction::Update { .. } => may(Permission::Update),
        AuthAction::Delete { table_name } => may(Permission::Delete) && !is_internal(table_name),
        AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } => {
            may(Permission::Transaction)
        }
        AuthAction::CreateIndex { .. } | AuthAction::Reindex { .. } => creates,
        // SQLite itself refuses learner tables named sqlite_…; AUTOINCREMENT makes one.
        AuthAction::CreateTable { .. } => may(Permission::CreateTable),
        AuthAction::Attach { .. } | AuthAction::Detach { .. } => {
            return Err("ATTACH and DETACH are never allowed here.".into());
        }
        AuthAction::Pragma { .. } => return Err("PRAGMA is never allowed here.".into()),
        _ => false,
    };
    if granted {
        return Ok(());
    }
    let what = match action {
        // The schema tables: SQLite writes them for CREATE; name what the learner wrote.
        AuthAction::Insert { table_name } | AuthAction::Update { table_name, .. }
            if table_name.starts_with("sqlite_temp") =>
        {
            "a temporary table (CREATE TEMP TABLE)".into()
        }
        AuthAction::Insert { table_name } | AuthAction::Update { table_name, .. }
            if is_internal(table_name) =>
        {
            "changing the schema (CREATE TABLE, CREATE INDEX)".into()
        }
        AuthAction::Insert { table_name } => format!("inserting into {table_name}"),
        AuthAction::Update { table_name, .. } => format!("updating {table_name}"),
        AuthAction::Delete { table_name } => format!("deleting from {table_name}"),
        AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } => {
            "transaction control".into()
        }
        AuthAction::CreateIndex { .. } => "CREATE INDEX".into(),
        AuthAction::CreateTable { .. } => "CREATE TABLE".into(),
        AuthAction::CreateTempTable { .. } if may(Permission::CreateTable) => {
            return Err("Temporary tables are not allowed in this exercise. \
                        It allows CREATE TABLE: create an ordinary table instead."
                .into());
        }
        AuthAction::CreateTempTable { .. } => "a temporary table (CREATE TEMP TABLE)".into(),
        AuthAction::DropTable { .. } | AuthAction::DropIndex { .. } => "DROP".into(),
        AuthAction::Function { function_name } => format!("the function {function_name}"),
        _ => "that kind of statement".into(),
    };
    let grants: Vec<&str> = allowed.iter().map(|p| p.label()).collect();
    Err(format!(
        "Not allowed in this exercise: {what}. It allows {}.",
        grants.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandbox(allowed: &[Permission]) -> Sandbox {
        let sandbox = Sandbox::new(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
             INSERT INTO customers VALUES (1, 'Ada'), (2, 'Grace'), (3, NULL);",
        )
        .unwrap();
        sandbox.restrict(allowed);
        sandbox.start_clock(TIME_LIMIT);
        sandbox
    }

    #[test]
    fn a_select_returns_its_columns_and_rows_with_nulls_kept() {
        let run = sandbox(&[Permission::Select])
            .run_script("SELECT id, name, 1.5 AS x FROM customers ORDER BY id")
            .unwrap();
        let table = run.result.unwrap();
        assert_eq!(table.columns, ["id", "name", "x"]);
        assert_eq!(
            table.rows[0],
            [Some("1".into()), Some("Ada".into()), Some("1.5".into())]
        );
        assert_eq!(table.rows[2][1], None);
    }

    #[test]
    fn writes_are_refused_when_the_exercise_is_read_only() {
        let sandbox = sandbox(&[Permission::Select]);
        for sql in [
            "DELETE FROM customers",
            "UPDATE customers SET name = 'x'",
            "INSERT INTO customers VALUES (9, 'x')",
            "DROP TABLE customers",
            "CREATE TABLE t (x)",
            "CREATE INDEX i ON customers (name)",
            "BEGIN",
        ] {
            let error = sandbox.run_script(sql).unwrap_err();
            assert!(
                error.starts_with("Not allowed in this exercise"),
                "{sql}: {error}"
            );
        }
        let count = sandbox
            .run_script("SELECT count(*) FROM customers")
            .unwrap();
        assert_eq!(count.result.unwrap().rows[0][0].as_deref(), Some("3"));
    }

    #[test]
    fn a_temporary_table_is_refused_with_the_way_that_works() {
        let refusal = sandbox(&[Permission::Select, Permission::CreateTable])
            .run_script("CREATE TEMP TABLE t (x)")
            .unwrap_err();
        assert_eq!(
            refusal,
            "Temporary tables are not allowed in this exercise. \
             It allows CREATE TABLE: create an ordinary table instead."
        );
        let read_only = sandbox(&[Permission::Select])
            .run_script("CREATE TEMP TABLE t (x)")
            .unwrap_err();
        assert_eq!(
            read_only,
            "Not allowed in this exercise: a temporary table (CREATE TEMP TABLE). It allows SELECT."
        );
    }

    #[test]
    fn attach_pragma_and_extensions_are_never_allowed() {
        let all = [
            Permission::Select,
            Permission::Insert,
            Permission::Update,
            Permission::Delete,
            Permission::Transaction,
            Permission::CreateIndex,
            Permission::CreateTable,
        ];
        let sandbox = sandbox(&all);
        let attach = sandbox
            .run_script("ATTACH DATABASE '/tmp/x.db' AS x")
            .unwrap_err();
        assert!(attach.contains("ATTACH"), "{attach}");
        let pragma = sandbox.run_script("PRAGMA foreign_keys = OFF").unwrap_err();
        assert!(pragma.contains("PRAGMA"), "{pragma}");
        let read_pragma = sandbox
            .run_script("PRAGMA table_info(customers)")
            .unwrap_err();
        assert!(read_pragma.contains("PRAGMA"), "{read_pragma}");
        let extension = sandbox
            .run_script("SELECT load_extension('/tmp/evil.so')")
            .unwrap_err();
        assert!(extension.contains("load_extension"), "{extension}");
    }

    #[test]
    fn granted_writes_work_and_transactions_are_noticed() {
        let sandbox = sandbox(&[
            Permission::Select,
            Permission::Update,
            Permission::Transaction,
        ]);
        let run = sandbox
            .run_script("BEGIN; UPDATE customers SET name = 'Anon' WHERE name IS NULL; COMMIT;")
            .unwrap();
        assert!(run.used_transaction && !run.left_open);
        let rows = sandbox
            .run_script("SELECT name FROM customers WHERE id = 3")
            .unwrap();
        assert_eq!(rows.result.unwrap().rows[0][0].as_deref(), Some("Anon"));
    }

    #[test]
    fn creating_an_index_and_tables_is_possible_when_granted() {
        let index = sandbox(&[Permission::Select, Permission::CreateIndex]);
        index
            .run_script("CREATE INDEX customers_name ON customers (name)")
            .unwrap();
        let plan = index
            .plan("SELECT id FROM customers WHERE name = 'Ada'")
            .unwrap();
        assert!(
            plan.iter().any(|line| line.contains("customers_name")),
            "{plan:?}"
        );

        let tables = sandbox(&[Permission::Select, Permission::CreateTable]);
        tables
            .run_script(
                "CREATE TABLE a (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);
                 CREATE TABLE b (id INTEGER PRIMARY KEY AUTOINCREMENT, a_id INTEGER NOT NULL REFERENCES a (id));",
            )
            .unwrap();
        tables.unrestrict();
        tables.execute("INSERT INTO a VALUES (1, 'x@y')").unwrap();
        assert!(tables.execute("INSERT INTO b (a_id) VALUES (7)").is_err());
    }

    #[test]
    fn a_query_that_never_ends_is_stopped_by_the_time_limit() {
        let sandbox = sandbox(&[Permission::Select]);
        let started = Instant::now();
        let error = sandbox
            .run_script(
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) \
                 SELECT count(*) FROM n",
            )
            .unwrap_err();
        assert!(error.contains("time limit"), "{error}");
        assert!(started.elapsed() < Duration::from_millis(1_800));
    }

    #[test]
    fn huge_results_and_statements_are_refused() {
        let sandbox = sandbox(&[Permission::Select]);
        let rows = sandbox
            .run_script(
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3163) \
                 SELECT a.x, b.x FROM n a CROSS JOIN n b",
            )
            .unwrap_err();
        assert!(rows.contains("more than 500 rows"), "{rows}");
        let big = format!("SELECT '{}'", "x".repeat(1_000_000));
        assert!(sandbox.run_script(&big).unwrap_err().contains("limit is"));
        let blob = sandbox
            .run_script("SELECT zeroblob(2000000000)")
            .unwrap_err();
        assert!(
            blob.contains("too big") || blob.contains("too large"),
            "{blob}"
        );
        let wide = sandbox
            .run_script("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 400) SELECT x, printf('%.900c', 'y') FROM n")
            .unwrap_err();
        assert!(wide.contains("larger than"), "{wide}");
    }

    #[test]
    fn named_parameters_are_bound_as_values_never_as_sql() {
        let sandbox = sandbox(&[Permission::Select]);
        let sql = "SELECT id FROM customers WHERE name = :name";
        assert_eq!(sandbox.parameters(sql).unwrap(), ["name"]);
        let normal = sandbox
            .query(sql, &[("name".into(), "Ada".into())])
            .unwrap();
        assert_eq!(normal.rows.len(), 1);
        let hostile = sandbox
            .query(sql, &[("name".into(), "' OR '1'='1".into())])
            .unwrap();
        assert!(hostile.rows.is_empty());
    }

    #[test]
    fn syntax_errors_read_like_sqlite_wrote_them() {
        let error = sandbox(&[Permission::Select])
            .run_script("SELEC name FROM customers")
            .unwrap_err();
        assert!(error.contains("syntax error"), "{error}");
    }
}
