//! The SQL lab: what an exercise asks ([`SqlExercise`], from `labs.toml`), and grading a
//! learner's SQL against the reference solution in two fresh sandboxes.
//!
//! Grading is synchronous and CPU-bound; callers run it on the bounded lab pool
//! (`AppState::labs`) so a slow query never stalls the async runtime or other requests.

pub mod check;
pub mod sandbox;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use check::{Diff, compare};
use sandbox::{Permission, Sandbox, ScriptRun, TIME_LIMIT, Table};

/// How the learner's SQL is judged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckMode {
    /// The result (of the script, or of `check_query` after it) equals the solution's.
    #[default]
    Rows,
    /// `plan_query` must search `plan_table` through an index once the script ran (using the
    /// `plan_condition`, when there is one).
    Plan,
    /// The tables the script creates accept every `valid` statement and refuse every `invalid` one.
    Schema,
    /// One parameterized statement: for every case, bound, it returns what the solution returns.
    Params,
}

/// One input set for a [`CheckMode::Params`] exercise: placeholder name → value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamsCase {
    pub params: BTreeMap<String, String>,
}

/// A further situation for a rows exercise: trusted SQL run after the dataset, in which the
/// learner's script must leave what the solution leaves too. It is how a check sees the
/// case the happy path hides (an account without enough money for the transfer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What differs, as the learner reads it ("when Ada has only 1,000 cents").
    pub name: String,
    pub setup: String,
}

/// The `[exercises.sql]` table of a `kind = "sql"` exercise (see `content/README.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlExercise {
    /// The name of a dataset in the file's `[datasets]` table.
    pub dataset: String,
    pub solution: String,
    /// What the editor starts with.
    #[serde(default)]
    pub starter: String,
    #[serde(default)]
    pub check: CheckMode,
    #[serde(default)]
    pub ordered: bool,
    #[serde(default = "yes")]
    pub check_columns: bool,
    #[serde(default = "select_only")]
    pub allow: Vec<Permission>,
    /// Rows mode: compare this query's result after the script, instead of the script's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_query: Option<String>,
    /// Rows mode: the script must open a transaction and commit it.
    #[serde(default)]
    pub require_transaction: bool,
    /// Rows mode: the same script runs again in each of these, and must match there too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<Scenario>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_table: Option<String>,
    /// Plan mode: the index search must use these conditions, as `EXPLAIN QUERY PLAN` writes
    /// them (`status=? AND ordered_at>?`), so the order of an index's columns counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_condition: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub valid: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invalid: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<ParamsCase>,
}

fn yes() -> bool {
    true
}

fn select_only() -> Vec<Permission> {
    vec![Permission::Select]
}

/// An exercise as stored: its fields plus the SQL of its dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SqlSpec {
    pub setup: String,
    #[serde(flatten)]
    pub exercise: SqlExercise,
}

/// One named check of a schema or parameters exercise and whether it held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckLine {
    pub text: String,
    pub ok: bool,
}

/// The verdict on one run, stored as the attempt's result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub passed: bool,
    /// The SQL error or refusal, when the learner's SQL did not run.
    pub error: Option<String>,
    /// What the learner's SQL produced (or the table after it, for write exercises).
    pub table: Option<Table>,
    pub diff: Option<Diff>,
    /// Individual checks (schema, parameters, query plan, transaction).
    pub checks: Vec<CheckLine>,
}

impl Outcome {
    fn failed(error: impl Into<String>) -> Self {
        Self {
            error: Some(error.into()),
            ..Self::default()
        }
    }
}

/// Runs the learner's `input` and judges it.
pub fn grade(spec: &SqlSpec, input: &str) -> Outcome {
    let exercise = &spec.exercise;
    let learner = match prepared(spec) {
        Ok(sandbox) => sandbox,
        Err(error) => return Outcome::failed(error),
    };
    match exercise.check {
        CheckMode::Rows => grade_rows(spec, &learner, input),
        CheckMode::Plan => grade_plan(exercise, &learner, input),
        CheckMode::Schema => grade_schema(exercise, &learner, input),
        CheckMode::Params => grade_params(spec, &learner, input),
    }
}

/// A sandbox with the dataset loaded, locked to the exercise's permissions, clock started.
fn prepared(spec: &SqlSpec) -> Result<Sandbox, String> {
    let sandbox = Sandbox::new(&spec.setup)?;
    sandbox.restrict(&spec.exercise.allow);
    sandbox.start_clock(TIME_LIMIT);
    Ok(sandbox)
}

/// The result a correct answer produces (rows exercises only).
pub fn expected(spec: &SqlSpec) -> Result<Option<Table>, String> {
    if spec.exercise.check != CheckMode::Rows {
        return Ok(None);
    }
    let sandbox = prepared(spec)?;
    result_after(spec, &sandbox, &spec.exercise.solution).map(Some)
}

/// Runs `script`, then reads what a rows exercise compares.
fn result_after(spec: &SqlSpec, sandbox: &Sandbox, script: &str) -> Result<Table, String> {
    let run = sandbox.run_script(script)?;
    read_result(spec, sandbox, run)
}

fn grade_rows(spec: &SqlSpec, learner: &Sandbox, input: &str) -> Outcome {
    let run = match learner.run_script(input) {
        Ok(run) => run,
        Err(error) => return Outcome::failed(error),
    };
    let mut checks = Vec::new();
    if spec.exercise.require_transaction {
        let ok = run.used_transaction && !run.left_open;
        checks.push(CheckLine {
            text: if run.left_open {
                "The transaction was left open: end it with COMMIT.".into()
            } else {
                "The changes run inside one transaction (BEGIN … COMMIT).".into()
            },
            ok,
        });
    }
    let got = match read_result(spec, learner, run) {
        Ok(table) => table,
        Err(error) => return Outcome::failed(error),
    };
    let reference =
        match prepared(spec).and_then(|s| result_after(spec, &s, &spec.exercise.solution)) {
            Ok(table) => table,
            Err(error) => return Outcome::failed(format!("The exercise is broken: {error}")),
        };
    let mut diff = compare(
        &reference,
        &got,
        spec.exercise.ordered,
        spec.exercise.check_columns,
    );
    let mut table = got;
    let mut shown_matches = diff.matches();
    for scenario in &spec.exercise.scenarios {
        let varied = SqlSpec {
            setup: format!("{}\n{}", spec.setup, scenario.setup),
            exercise: spec.exercise.clone(),
        };
        let reference = match prepared(&varied)
            .and_then(|s| result_after(&varied, &s, &spec.exercise.solution))
        {
            Ok(table) => table,
            Err(error) => return Outcome::failed(format!("The exercise is broken: {error}")),
        };
        let got = match prepared(&varied).and_then(|s| result_after(&varied, &s, input)) {
            Ok(table) => table,
            Err(error) => {
                checks.push(CheckLine {
                    text: format!("Again, {}: your SQL failed there: {error}", scenario.name),
                    ok: false,
                });
                continue;
            }
        };
        let scenario_diff = compare(
            &reference,
            &got,
            spec.exercise.ordered,
            spec.exercise.check_columns,
        );
        let ok = scenario_diff.matches();
        checks.push(CheckLine {
            text: if ok {
                format!("Again, {}: the right result there too.", scenario.name)
            } else if shown_matches {
                format!(
                    "Again, {}: a different result (shown below).",
                    scenario.name
                )
            } else {
                format!("Again, {}: a different result there too.", scenario.name)
            },
            ok,
        });
        // The table and differences shown are the first ones that are wrong.
        if !ok && shown_matches {
            shown_matches = false;
            diff = scenario_diff;
            table = got;
        }
    }
    Outcome {
        passed: diff.matches() && checks.iter().all(|c| c.ok),
        error: None,
        table: Some(table),
        diff: Some(diff),
        checks,
    }
}

/// What a rows exercise compares once the script ran: `check_query`'s result, or the
/// script's own last one.
fn read_result(spec: &SqlSpec, sandbox: &Sandbox, run: ScriptRun) -> Result<Table, String> {
    match &spec.exercise.check_query {
        Some(query) => {
            sandbox.unrestrict();
            sandbox.query(query, &[])
        }
        None => run
            .result
            .ok_or_else(|| "Your SQL returned no rows to compare; end with a SELECT.".to_owned()),
    }
}

/// Whether a plan line searches `table` through an index the learner made.
fn uses_index(line: &str, table: &str) -> bool {
    line.strip_prefix("SEARCH ")
        .and_then(|rest| rest.strip_prefix(table))
        .and_then(|rest| rest.strip_prefix(" USING "))
        .is_some_and(|how| how.starts_with("INDEX ") || how.starts_with("COVERING INDEX "))
}

fn grade_plan(exercise: &SqlExercise, learner: &Sandbox, input: &str) -> Outcome {
    let (Some(query), Some(table)) = (&exercise.plan_query, &exercise.plan_table) else {
        return Outcome::failed("The exercise is broken: it has no plan_query or plan_table.");
    };
    if let Err(error) = learner.run_script(input) {
        return Outcome::failed(error);
    }
    learner.unrestrict();
    plan_outcome(learner, query, table, exercise.plan_condition.as_deref())
}

fn plan_outcome(sandbox: &Sandbox, query: &str, table: &str, condition: Option<&str>) -> Outcome {
    let plan = match sandbox.plan(query) {
        Ok(plan) => plan,
        Err(error) => return Outcome::failed(error),
    };
    let fits = |line: &str| {
        uses_index(line, table) && condition.is_none_or(|wanted| line.contains(wanted))
    };
    let passed = plan.iter().any(|line| fits(line));
    let searched = plan.iter().any(|line| uses_index(line, table));
    let mut checks: Vec<CheckLine> = plan
        .iter()
        .map(|line| CheckLine {
            text: format!("Query plan: {line}"),
            ok: fits(line),
        })
        .collect();
    checks.push(CheckLine {
        text: match (passed, searched, condition) {
            (true, _, None) => format!("The query searches {table} through your index."),
            (true, _, Some(wanted)) => {
                format!("The query searches {table} through your index, using ({wanted}).")
            }
            (false, true, Some(wanted)) => format!(
                "The query searches {table} through an index, but not with ({wanted}): \
                 look at the order of the index's columns."
            ),
            (false, _, _) => {
                format!("The query still scans {table}: no index fits its WHERE clause.")
            }
        },
        ok: passed,
    });
    Outcome {
        passed,
        table: sandbox.query(query, &[]).ok(),
        checks,
        ..Outcome::default()
    }
}

fn grade_schema(exercise: &SqlExercise, learner: &Sandbox, input: &str) -> Outcome {
    if let Err(error) = learner.run_script(input) {
        return Outcome::failed(error);
    }
    learner.unrestrict();
    let mut checks = Vec::new();
    for statement in &exercise.valid {
        let result = learner.execute(statement);
        checks.push(CheckLine {
            text: match &result {
                Ok(()) => format!("Accepted, as it should be: {statement}"),
                Err(error) => format!("Refused a valid row: {statement} ({error})"),
            },
            ok: result.is_ok(),
        });
    }
    for statement in &exercise.invalid {
        let result = learner.execute(statement);
        checks.push(CheckLine {
            text: match &result {
                Ok(()) => format!("Accepted an invalid row: {statement}"),
                Err(error) => format!("Refused, as it should be: {statement} ({error})"),
            },
            ok: result.is_err(),
        });
    }
    Outcome {
        passed: checks.iter().all(|c| c.ok),
        checks,
        ..Outcome::default()
    }
}

fn grade_params(spec: &SqlSpec, learner: &Sandbox, input: &str) -> Outcome {
    let names = match learner.parameters(input.trim().trim_end_matches(';')) {
        Ok(names) => names,
        Err(error) => return Outcome::failed(error),
    };
    if names.is_empty() {
        return Outcome::failed(
            "Your query has no placeholder: the input must be bound as a parameter (:name), \
             never pasted into the SQL text.",
        );
    }
    let reference = match prepared(spec) {
        Ok(sandbox) => sandbox,
        Err(error) => return Outcome::failed(error),
    };
    let mut checks = Vec::new();
    let mut first = None;
    let mut diff = None;
    for case in &spec.exercise.cases {
        let params: Vec<(String, String)> = case
            .params
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let inputs = case
            .params
            .iter()
            .map(|(k, v)| format!(":{k} = {v:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        let got = match learner.query(input.trim().trim_end_matches(';'), &params) {
            Ok(table) => table,
            Err(error) => return Outcome::failed(error),
        };
        let want = match reference.query(&spec.exercise.solution, &params) {
            Ok(table) => table,
            Err(error) => return Outcome::failed(format!("The exercise is broken: {error}")),
        };
        let case_diff = compare(
            &want,
            &got,
            spec.exercise.ordered,
            spec.exercise.check_columns,
        );
        let ok = case_diff.matches();
        checks.push(CheckLine {
            text: if ok {
                format!("With {inputs}: the right {} row(s).", got.rows.len())
            } else {
                format!(
                    "With {inputs}: {} row(s), expected {}.",
                    got.rows.len(),
                    want.rows.len()
                )
            },
            ok,
        });
        if !ok && diff.is_none() {
            diff = Some(case_diff);
        }
        first.get_or_insert(got);
    }
    Outcome {
        passed: checks.iter().all(|c| c.ok),
        table: first,
        diff,
        checks,
        ..Outcome::default()
    }
}

/// Checks that an exercise is complete and that its reference solution passes its own
/// check (and, for a plan exercise, that the dataset alone does not).
pub fn validate(spec: &SqlSpec) -> Result<(), String> {
    let exercise = &spec.exercise;
    if exercise.allow.is_empty() {
        return Err("`allow` must grant at least one permission".into());
    }
    match exercise.check {
        CheckMode::Plan if exercise.plan_query.is_none() || exercise.plan_table.is_none() => {
            return Err("a plan check needs `plan_query` and `plan_table`".into());
        }
        CheckMode::Schema if exercise.valid.is_empty() || exercise.invalid.is_empty() => {
            return Err("a schema check needs `valid` and `invalid` statements".into());
        }
        CheckMode::Params if exercise.cases.is_empty() => {
            return Err("a params check needs at least one `[[exercises.sql.cases]]`".into());
        }
        mode if mode != CheckMode::Rows && !exercise.scenarios.is_empty() => {
            return Err("only a rows check runs `[[exercises.sql.scenarios]]`".into());
        }
        _ => {}
    }
    let outcome = grade(spec, &exercise.solution);
    if !outcome.passed {
        let why = outcome.error.unwrap_or_else(|| {
            outcome
                .checks
                .iter()
                .filter(|c| !c.ok)
                .map(|c| c.text.clone())
                .collect::<Vec<_>>()
                .join("; ")
        });
        return Err(format!(
            "the reference solution does not pass its own check: {why}"
        ));
    }
    if let (CheckMode::Plan, Some(query), Some(table)) =
        (exercise.check, &exercise.plan_query, &exercise.plan_table)
    {
        let sandbox = Sandbox::new(&spec.setup)?;
        if plan_outcome(&sandbox, query, table, exercise.plan_condition.as_deref()).passed {
            return Err("the plan query uses an index before the learner creates one".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOP: &str = "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), total INTEGER NOT NULL);
        INSERT INTO customers VALUES (1, 'Ada', 'London'), (2, 'Grace', 'New York'), (3, 'Linus', NULL);
        INSERT INTO orders VALUES (1, 1, 30), (2, 1, 12), (3, 2, 50);";

    fn spec(toml_text: &str) -> SqlSpec {
        SqlSpec {
            setup: SHOP.into(),
            exercise: toml::from_str(toml_text).unwrap(),
        }
    }

    #[test]
    fn a_join_passes_only_with_the_right_rows() {
        let spec = spec(
            "dataset = \"shop\"\nsolution = \"SELECT c.name, o.total FROM customers c JOIN orders o ON o.customer_id = c.id\"",
        );
        let wrong = grade(&spec, "SELECT c.name, o.total FROM customers c, orders o");
        assert!(!wrong.passed);
        assert_eq!(wrong.diff.as_ref().unwrap().extra.len(), 6);
        let right = grade(
            &spec,
            "SELECT name, total FROM orders JOIN customers ON customers.id = orders.customer_id",
        );
        assert!(right.passed, "{right:?}");
        assert!(validate(&spec).is_ok());
    }

    #[test]
    fn a_write_exercise_compares_the_table_after_the_script_and_wants_a_transaction() {
        let spec = spec(
            "dataset = \"shop\"\nsolution = \"BEGIN; UPDATE orders SET total = total + 1 WHERE customer_id = 1; COMMIT;\"\n\
             allow = [\"select\", \"update\", \"transaction\"]\ncheck_query = \"SELECT id, total FROM orders ORDER BY id\"\n\
             require_transaction = true",
        );
        assert!(validate(&spec).is_ok());
        let outside = grade(
            &spec,
            "UPDATE orders SET total = total + 1 WHERE customer_id = 1",
        );
        assert!(!outside.passed && outside.diff.unwrap().matches());
        let deleting = grade(&spec, "BEGIN; DELETE FROM orders; COMMIT;");
        assert!(deleting.error.unwrap().contains("deleting from orders"));
    }

    #[test]
    fn a_scenario_runs_the_script_again_where_the_happy_path_hides_a_missing_guard() {
        let spec = SqlSpec {
            setup: "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0));
                CREATE TABLE transfers (from_id INTEGER NOT NULL, to_id INTEGER NOT NULL, amount INTEGER NOT NULL);
                INSERT INTO accounts VALUES (1, 100), (2, 0);"
                .into(),
            exercise: toml::from_str(
                "dataset = \"bank\"\nallow = [\"select\", \"insert\", \"update\", \"transaction\"]\n\
                 check_query = \"SELECT 'account ' || id, balance FROM accounts UNION ALL SELECT 'transfer', amount FROM transfers\"\n\
                 check_columns = false\n\
                 solution = \"BEGIN; UPDATE accounts SET balance = balance - 50 WHERE id = 1 AND balance >= 50; \
                 UPDATE accounts SET balance = balance + 50 WHERE id = 2 AND changes() = 1; \
                 INSERT INTO transfers SELECT 1, 2, 50 WHERE changes() = 1; COMMIT;\"\n\
                 [[scenarios]]\nname = \"when account 1 holds exactly 50\"\nsetup = \"UPDATE accounts SET balance = 50 WHERE id = 1\"\n\
                 [[scenarios]]\nname = \"when account 1 holds only 20\"\nsetup = \"UPDATE accounts SET balance = 20 WHERE id = 1\"",
            )
            .unwrap(),
        };
        assert!(validate(&spec).is_ok(), "{:?}", validate(&spec));

        let unguarded = grade(
            &spec,
            "BEGIN; UPDATE accounts SET balance = balance - 50 WHERE id = 1; \
             UPDATE accounts SET balance = balance + 50 WHERE id = 2; INSERT INTO transfers VALUES (1, 2, 50); COMMIT;",
        );
        assert!(!unguarded.passed);
        assert!(
            unguarded.diff.as_ref().unwrap().matches(),
            "the happy path alone matches"
        );
        let failed: Vec<&str> = unguarded
            .checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.text.as_str())
            .collect();
        assert_eq!(failed.len(), 1, "{failed:?}");
        assert!(
            failed[0].contains("only 20") && failed[0].contains("CHECK constraint failed"),
            "{failed:?}"
        );

        let credit_anyway = grade(
            &spec,
            "BEGIN; UPDATE accounts SET balance = balance - 50 WHERE id = 1 AND balance >= 50; \
             UPDATE accounts SET balance = balance + 50 WHERE id = 2; INSERT INTO transfers VALUES (1, 2, 50); COMMIT;",
        );
        assert!(!credit_anyway.passed);
        assert!(
            !credit_anyway.diff.unwrap().matches(),
            "the scenario's differences are shown"
        );
        assert!(
            credit_anyway
                .checks
                .iter()
                .any(|c| !c.ok && c.text.contains("(shown below)"))
        );

        let strict = grade(
            &spec,
            "BEGIN; UPDATE accounts SET balance = balance - 50 WHERE id = 1 AND balance > 50; \
             UPDATE accounts SET balance = balance + 50 WHERE id = 2 AND changes() = 1; \
             INSERT INTO transfers SELECT 1, 2, 50 WHERE changes() = 1; COMMIT;",
        );
        assert!(
            !strict.passed,
            "> instead of >= refuses a transfer of the whole balance"
        );

        let mut plan = spec.clone();
        plan.exercise.check = CheckMode::Plan;
        plan.exercise.plan_query = Some("SELECT 1".into());
        plan.exercise.plan_table = Some("accounts".into());
        assert!(validate(&plan).unwrap_err().contains("only a rows check"));
    }

    #[test]
    fn an_index_exercise_passes_only_when_the_query_uses_the_learners_index() {
        let spec = spec(
            "dataset = \"shop\"\nsolution = \"CREATE INDEX orders_customer ON orders (customer_id)\"\n\
             check = \"plan\"\nallow = [\"create_index\"]\nplan_query = \"SELECT total FROM orders WHERE customer_id = 1\"\nplan_table = \"orders\"",
        );
        assert!(validate(&spec).is_ok());
        assert!(!grade(&spec, "CREATE INDEX orders_total ON orders (total)").passed);
        assert!(!grade(&spec, "SELECT 1").passed);
        assert!(grade(&spec, "CREATE INDEX x ON orders (customer_id, total)").passed);
    }

    #[test]
    fn a_plan_condition_makes_the_order_of_an_indexs_columns_count() {
        let spec = spec(
            "dataset = \"shop\"\nsolution = \"CREATE INDEX by_customer_total ON orders (customer_id, total)\"\n\
             check = \"plan\"\nallow = [\"create_index\"]\n\
             plan_query = \"SELECT id FROM orders WHERE customer_id = 1 AND total > 10\"\n\
             plan_table = \"orders\"\nplan_condition = \"customer_id=? AND total>?\"",
        );
        assert!(validate(&spec).is_ok());
        let reversed = grade(
            &spec,
            "CREATE INDEX by_total_customer ON orders (total, customer_id)",
        );
        assert!(!reversed.passed);
        assert!(
            reversed
                .checks
                .iter()
                .any(|c| c.text.contains("order of the index's columns")),
            "{:?}",
            reversed.checks
        );
        assert!(!grade(&spec, "CREATE INDEX by_customer ON orders (customer_id)").passed);
    }

    #[test]
    fn a_schema_exercise_inserts_valid_and_invalid_rows() {
        let spec = SqlSpec {
            setup: String::new(),
            exercise: toml::from_str(
                "dataset = \"empty\"\ncheck = \"schema\"\nallow = [\"create_table\"]\n\
                 solution = \"CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE)\"\n\
                 valid = [\"INSERT INTO users (id, email) VALUES (1, 'a@x')\"]\n\
                 invalid = [\"INSERT INTO users (id, email) VALUES (2, 'a@x')\", \"INSERT INTO users (id, email) VALUES (3, NULL)\"]",
            )
            .unwrap(),
        };
        assert!(validate(&spec).is_ok());
        let loose = grade(
            &spec,
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)",
        );
        assert!(!loose.passed);
        assert_eq!(loose.checks.iter().filter(|c| !c.ok).count(), 2);
    }

    #[test]
    fn an_injection_exercise_wants_a_bound_parameter() {
        let spec = spec(
            "dataset = \"shop\"\ncheck = \"params\"\nsolution = \"SELECT id, name FROM customers WHERE name = :name\"\n\
             [[cases]]\nparams = { name = \"Ada\" }\n[[cases]]\nparams = { name = \"' OR '1'='1\" }",
        );
        assert!(validate(&spec).is_ok());
        let pasted = grade(&spec, "SELECT id, name FROM customers WHERE name = 'Ada'");
        assert!(pasted.error.unwrap().contains("no placeholder"));
        assert!(grade(&spec, "SELECT id, name FROM customers WHERE name = :name;").passed);
        let like = grade(&spec, "SELECT id, name FROM customers WHERE name <> :name");
        assert!(!like.passed);
    }
}
