//! Exercise goals for the HTTP lab and the check of a learner's exchanges against them.
//!
//! A goal is a list of steps. It is reached when the learner's exchanges for the exercise
//! contain an exchange for each step, in order (other requests in between are fine). A step
//! states what the request must look like and what the answer must be; it is written in the
//! exercise's TOML:
//!
//! ```toml
//! [exercises.goal]
//! success = "Deleting twice changed nothing the second time: DELETE is idempotent."
//! [[exercises.goal.steps]]
//! method = "DELETE"
//! path = "/api/tasks/{id}"
//! status = 204
//! [[exercises.goal.steps]]
//! method = "DELETE"
//! same_path = true
//! status = 404
//! hint = "Send exactly the same DELETE again."
//! ```

use std::collections::BTreeMap;

use axum::http::HeaderName;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Exchange, METHODS};

const MAX_STEPS: usize = 6;

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    pub steps: Vec<Step>,
    /// Said when the goal is reached; a plain "Goal reached" otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<String>,
}

/// One exchange the learner must produce. Every field is optional; what is given must hold.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// `GET`, `POST`, … (upper case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The path without the query; a `{name}` segment matches any one segment, as in
    /// `/api/tasks/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The request path must equal the path of the exchange that met the previous step.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub same_path: bool,
    /// Query parameters the request must carry, with these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    /// Request headers that must be present with these values (names and values compared
    /// without regard to case). A `content-type` written without parameters is compared by
    /// media type, so `application/json; charset=utf-8` meets `application/json`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_headers: BTreeMap<String, String>,
    /// The response status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Values in the JSON response body, keyed by JSON pointer (`/done`, `/meta/page`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_json: BTreeMap<String, Value>,
    /// Response headers that must be present with these values (compared as `request_headers`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_headers: BTreeMap<String, String>,
    /// What to tell the learner when this is the next step; generated from the fields if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub passed: bool,
    pub feedback: String,
}

impl Goal {
    /// Checks the goal as written by an author: the import refuses a goal that cannot be met.
    pub fn validate(&self) -> Result<(), String> {
        if self.steps.is_empty() {
            return Err("a goal needs at least one step".into());
        }
        if self.steps.len() > MAX_STEPS {
            return Err(format!("a goal has at most {MAX_STEPS} steps"));
        }
        for (index, step) in self.steps.iter().enumerate() {
            step.validate(index == 0)
                .map_err(|problem| format!("step {}: {problem}", index + 1))?;
        }
        Ok(())
    }
}

impl Step {
    fn validate(&self, first: bool) -> Result<(), String> {
        if let Some(method) = &self.method
            && !METHODS.contains(&method.as_str())
        {
            return Err(format!(
                "method `{method}` is not one of {}",
                METHODS.join(", ")
            ));
        }
        if let Some(path) = &self.path {
            if !path.starts_with('/') || path.contains('?') {
                return Err(format!(
                    "path `{path}` must start with `/` and have no query (use `query`)"
                ));
            }
            if self.same_path {
                return Err("give `path` or `same_path`, not both".into());
            }
        }
        if self.same_path && first {
            return Err("the first step cannot use `same_path`".into());
        }
        if let Some(status) = self.status
            && !(100..=599).contains(&status)
        {
            return Err(format!("status {status} is not an HTTP status"));
        }
        for name in self
            .request_headers
            .keys()
            .chain(self.response_headers.keys())
        {
            if HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(format!("`{name}` is not a header name"));
            }
        }
        for pointer in self.response_json.keys() {
            if !pointer.starts_with('/') {
                return Err(format!(
                    "`{pointer}` is not a JSON pointer (write `/done`, `/meta/page`)"
                ));
            }
        }
        let says_something = self.method.is_some()
            || self.path.is_some()
            || self.same_path
            || !self.query.is_empty()
            || !self.request_headers.is_empty()
            || self.status.is_some()
            || !self.response_json.is_empty()
            || !self.response_headers.is_empty();
        if !says_something {
            return Err("the step does not require anything".into());
        }
        Ok(())
    }

    /// Why `exchange` does not meet this step (nothing if it does), ignoring `same_path`.
    fn misses(&self, exchange: &Exchange) -> Vec<String> {
        let request = &exchange.request;
        let response = &exchange.response;
        let mut misses = Vec::new();
        let method = request.method.trim().to_ascii_uppercase();
        if let Some(expected) = &self.method
            && *expected != method
        {
            misses.push(format!("the method should be {expected}, not {method}"));
        }
        let (path, query) = split_path(&request.path);
        if let Some(pattern) = &self.path
            && !path_matches(pattern, path)
        {
            misses.push(format!("the path should look like {pattern}, not {path}"));
        }
        for (name, expected) in &self.query {
            let found = form_urlencoded::parse(query.as_bytes())
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.trim().to_owned());
            match found {
                Some(value) if value == *expected => {}
                Some(value) => misses.push(format!(
                    "the query should have {name}={expected}, not {name}={value}"
                )),
                None => misses.push(format!("the query should have {name}={expected}")),
            }
        }
        for (name, expected) in &self.request_headers {
            let found = request
                .headers
                .iter()
                .find(|(key, _)| key.trim().eq_ignore_ascii_case(name))
                .map(|(_, value)| value.trim());
            match found {
                Some(value) if header_matches(name, value, expected) => {}
                _ => misses.push(format!("the request should send `{name}: {expected}`")),
            }
        }
        if let Some(expected) = self.status
            && expected != response.status
        {
            misses.push(format!(
                "the answer should be {}, not {}",
                status_text(expected),
                status_text(response.status)
            ));
        }
        if !self.response_json.is_empty() {
            let body: Option<Value> = serde_json::from_str(&response.body).ok();
            for (pointer, expected) in &self.response_json {
                let found = body.as_ref().and_then(|body| body.pointer(pointer));
                if found != Some(expected) {
                    misses.push(format!(
                        "the response body should have `{}` = {expected}",
                        pointer.trim_start_matches('/').replace('/', ".")
                    ));
                }
            }
        }
        for (name, expected) in &self.response_headers {
            let found = response
                .headers
                .iter()
                .find(|(key, _)| key.trim().eq_ignore_ascii_case(name))
                .map(|(_, value)| value.trim());
            match found {
                Some(value) if header_matches(name, value, expected) => {}
                _ => misses.push(format!("the answer should carry `{name}: {expected}`")),
            }
        }
        misses
    }

    fn describe(&self) -> String {
        if let Some(hint) = &self.hint {
            return hint.clone();
        }
        let mut text = format!("Send {}", self.method.as_deref().unwrap_or("a request"));
        if let Some(path) = &self.path {
            text.push_str(&format!(" to {path}"));
        }
        if self.same_path {
            text.push_str(" to the same path again");
        }
        if !self.query.is_empty() {
            let pairs: Vec<String> = self
                .query
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            text.push_str(&format!(" with the query {}", pairs.join("&")));
        }
        for (name, value) in &self.request_headers {
            text.push_str(&format!(" with `{name}: {value}`"));
        }
        if let Some(status) = self.status {
            text.push_str(&format!(" and make the API answer {}", status_text(status)));
        }
        for (pointer, value) in &self.response_json {
            text.push_str(&format!(
                ", with `{}` = {value} in the answer",
                pointer.trim_start_matches('/').replace('/', ".")
            ));
        }
        for (name, value) in &self.response_headers {
            text.push_str(&format!(", with `{name}: {value}` in the answer"));
        }
        text.push('.');
        text
    }
}

/// Checks the learner's exchanges for an exercise (oldest first) against its goal.
pub fn check(goal: &Goal, history: &[Exchange]) -> Verdict {
    let steps = &goal.steps;
    let Some(newest) = history.last() else {
        return Verdict {
            passed: false,
            feedback: format!(
                "Send a request to begin. {}",
                steps.first().map(Step::describe).unwrap_or_default()
            ),
        };
    };
    // met[i][j]: exchange j meets step i, after earlier exchanges met steps 0..i in order.
    let mut met = vec![vec![false; history.len()]; steps.len()];
    for (i, step) in steps.iter().enumerate() {
        for (j, exchange) in history.iter().enumerate() {
            if !step.misses(exchange).is_empty() {
                continue;
            }
            met[i][j] = i == 0
                || (0..j).any(|k| {
                    met[i - 1][k]
                        && (!step.same_path
                            || split_path(&history[k].request.path).0
                                == split_path(&exchange.request.path).0)
                })
        }
    }
    if met[steps.len() - 1].iter().any(|&ok| ok) {
        return Verdict {
            passed: true,
            feedback: goal
                .success
                .clone()
                .unwrap_or_else(|| "Goal reached: well done.".into()),
        };
    }
    let done = met
        .iter()
        .take_while(|row| row.iter().any(|&ok| ok))
        .count();
    let next = &steps[done];
    let mut feedback = format!("You got {}.", outcome(&newest.response));
    if done > 0 {
        feedback.push_str(&format!(" Step {done} of {} is done.", steps.len()));
    }
    let misses = next.misses(newest);
    let newest_met_previous = done > 0 && met[done - 1][history.len() - 1];
    if newest_met_previous {
        // The last request did its job; only the next step matters now.
    } else if next.same_path && misses.is_empty() {
        feedback.push_str(" That was a different path from the previous step.");
    } else if !misses.is_empty() && misses.len() < 3 {
        feedback.push_str(&format!(" For the goal, {}.", misses.join(", and ")));
    }
    // An author's hint is used as written; a generated one is joined to the progress so far.
    let next_step = match (&next.hint, done) {
        (Some(hint), _) => hint.clone(),
        (None, 0) => next.describe(),
        (None, _) => format!("Now {}", lowercase_first(&next.describe())),
    };
    feedback.push(' ');
    feedback.push_str(&next_step);
    Verdict {
        passed: false,
        feedback,
    }
}

/// "422 Unprocessable Content: `title` is required", from the practice API's Problem Details:
/// the `errors` it lists, or else its `detail`.
fn outcome(response: &super::PracticeResponse) -> String {
    let mut text = status_text(response.status);
    let body: Option<Value> = serde_json::from_str(&response.body).ok();
    if response.status >= 400
        && let Some(body) = body
    {
        let errors = body.get("errors").and_then(Value::as_array);
        if let Some(errors) = errors.filter(|errors| !errors.is_empty()) {
            let problems: Vec<String> = errors.iter().map(describe_error).collect();
            text.push_str(&format!(": {}", problems.join("; ")));
        } else if let Some(detail) = body.get("detail").and_then(Value::as_str) {
            text.push_str(&format!(": {}", detail.trim_end_matches('.')));
        }
    }
    text
}

/// "`title` is required" from `{"pointer": "#/title", "detail": "is required"}` (or `parameter`).
fn describe_error(error: &Value) -> String {
    let text = |name: &str| error.get(name).and_then(Value::as_str);
    let place = text("parameter")
        .map(str::to_owned)
        .or_else(|| {
            text("pointer").map(|pointer| pointer.trim_start_matches("#/").replace('/', "."))
        })
        .unwrap_or_default();
    format!("`{place}` {}", text("detail").unwrap_or(""))
}

fn status_text(status: u16) -> String {
    format!("{status} {}", super::reason_phrase(status))
        .trim_end()
        .to_owned()
}

/// Whether a sent header value meets the one a step asks for.
fn header_matches(name: &str, sent: &str, expected: &str) -> bool {
    if name.eq_ignore_ascii_case("content-type") && !expected.contains(';') {
        return media_type(sent) == media_type(expected);
    }
    squash(sent) == squash(expected)
}

/// `application/json` from `Application/JSON; charset=utf-8`.
fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn split_path(path: &str) -> (&str, &str) {
    let path = path.trim();
    path.split_once('?').unwrap_or((path, ""))
}

fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    pattern.len() == path.len()
        && pattern.iter().zip(&path).all(|(want, got)| {
            if want.starts_with('{') && want.ends_with('}') {
                !got.is_empty()
            } else {
                want == got
            }
        })
}

fn squash(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grading::http::{PracticeRequest, PracticeResponse};

    fn exchange(method: &str, path: &str, status: u16, body: &str) -> Exchange {
        Exchange {
            request: PracticeRequest {
                method: method.into(),
                path: path.into(),
                headers: vec![("Authorization".into(), "Bearer learner-token".into())],
                body: String::new(),
            },
            response: PracticeResponse {
                status,
                headers: vec![],
                body: body.into(),
            },
        }
    }

    fn goal(toml_text: &str) -> Goal {
        let goal: Goal = toml::from_str(toml_text).expect("the goal parses");
        goal.validate().expect("the goal is valid");
        goal
    }

    #[test]
    fn a_single_step_goal_passes_on_a_matching_exchange() {
        let goal = goal("[[steps]]\nmethod = \"POST\"\npath = \"/api/tasks\"\nstatus = 201\n");
        let history = [
            exchange("GET", "/api/tasks", 200, "{}"),
            exchange("POST", "/api/tasks", 201, "{}"),
        ];
        assert!(check(&goal, &history).passed);
    }

    #[test]
    fn feedback_names_the_validation_error_and_what_is_wanted() {
        let goal = goal("[[steps]]\nmethod = \"POST\"\npath = \"/api/tasks\"\nstatus = 201\n");
        let body = r##"{"type":"/api/problems/validation-failed","title":"Your request is not valid.",
            "status":422,"detail":"x","errors":[{"pointer":"#/title","detail":"is required"}]}"##;
        let verdict = check(&goal, &[exchange("POST", "/api/tasks", 422, body)]);
        assert!(!verdict.passed);
        assert!(
            verdict
                .feedback
                .starts_with("You got 422 Unprocessable Content: `title` is required."),
            "{}",
            verdict.feedback
        );
        assert!(
            verdict.feedback.contains("should be 201 Created"),
            "{}",
            verdict.feedback
        );
    }

    #[test]
    fn steps_must_come_in_order_and_feedback_names_the_next_one() {
        let goal = goal("[[steps]]\nstatus = 401\n[[steps]]\nstatus = 403\n");
        let wrong_order = [
            exchange("DELETE", "/api/tasks/1", 403, "{}"),
            exchange("GET", "/api/tasks", 401, "{}"),
        ];
        let verdict = check(&goal, &wrong_order);
        assert!(!verdict.passed);
        assert!(
            verdict.feedback.contains("Step 1 of 2 is done")
                && verdict
                    .feedback
                    .contains("Now send a request and make the API answer 403 Forbidden"),
            "{}",
            verdict.feedback
        );
        let right_order = [wrong_order[1].clone(), wrong_order[0].clone()];
        assert!(check(&goal, &right_order).passed);
    }

    #[test]
    fn same_path_ties_a_step_to_the_exchange_of_the_previous_one() {
        let goal = goal(
            "[[steps]]\nmethod = \"DELETE\"\npath = \"/api/tasks/{id}\"\nstatus = 204\n\
             [[steps]]\nmethod = \"DELETE\"\nsame_path = true\nstatus = 404\n",
        );
        let other_task = [
            exchange("DELETE", "/api/tasks/3", 204, ""),
            exchange("DELETE", "/api/tasks/99", 404, "{}"),
        ];
        assert!(!check(&goal, &other_task).passed);
        let same_task = [
            exchange("DELETE", "/api/tasks/3", 204, ""),
            exchange("DELETE", "/api/tasks/4", 204, ""),
            exchange("DELETE", "/api/tasks/4", 404, "{}"),
        ];
        assert!(check(&goal, &same_task).passed);
    }

    #[test]
    fn query_headers_and_body_fields_are_checked() {
        let goal = goal(
            "[[steps]]\nmethod = \"GET\"\npath = \"/api/tasks\"\nquery = { page = \"2\" }\n\
             request_headers = { authorization = \"Bearer learner-token\" }\n\
             response_json = { \"/meta/page\" = 2 }\n",
        );
        let page_one = exchange("GET", "/api/tasks?page=1", 200, r#"{"meta":{"page":1}}"#);
        let verdict = check(&goal, &[page_one]);
        assert!(
            verdict.feedback.contains("page=2, not page=1"),
            "{}",
            verdict.feedback
        );
        let page_two = exchange(
            "GET",
            "/api/tasks?per_page=5&page=2",
            200,
            r#"{"meta":{"page":2}}"#,
        );
        assert!(check(&goal, std::slice::from_ref(&page_two)).passed);
        let mut no_token = page_two;
        no_token.request.headers.clear();
        assert!(!check(&goal, &[no_token]).passed);
    }

    #[test]
    fn a_content_type_step_is_met_by_the_media_type_whatever_its_parameters() {
        let goal = goal(
            "[[steps]]\nmethod = \"POST\"\nrequest_headers = { content-type = \"application/json\" }\n",
        );
        let sent = |value: &str| {
            let mut exchange = exchange("POST", "/api/tasks", 201, "{}");
            exchange
                .request
                .headers
                .push(("Content-Type".into(), value.into()));
            exchange
        };
        assert!(check(&goal, &[sent("application/json; charset=utf-8")]).passed);
        assert!(check(&goal, &[sent("Application/JSON")]).passed);
        assert!(!check(&goal, &[sent("text/plain")]).passed);
        assert!(!check(&goal, &[sent("application/jsonx")]).passed);
    }

    #[test]
    fn response_headers_are_checked_by_name_without_regard_to_case() {
        let goal = goal(
            "[[steps]]\nstatus = 204\nresponse_headers = { access-control-allow-origin = \"https://tasks.example\" }\n",
        );
        let mut allowed = exchange("OPTIONS", "/api/tasks", 204, "");
        allowed.response.headers = vec![(
            "Access-Control-Allow-Origin".into(),
            "https://tasks.example".into(),
        )];
        assert!(check(&goal, &[allowed]).passed);
        let verdict = check(&goal, &[exchange("OPTIONS", "/api/tasks", 204, "")]);
        assert!(!verdict.passed);
        assert!(
            verdict
                .feedback
                .contains("should carry `access-control-allow-origin: https://tasks.example`"),
            "{}",
            verdict.feedback
        );
    }

    #[test]
    fn feedback_quotes_the_detail_of_a_problem_without_field_errors() {
        let goal = goal("[[steps]]\nstatus = 201\n");
        let body = r#"{"type":"about:blank","title":"Unsupported Media Type","status":415,
            "detail":"The body must be JSON."}"#;
        let verdict = check(&goal, &[exchange("POST", "/api/tasks", 415, body)]);
        assert!(
            verdict
                .feedback
                .starts_with("You got 415 Unsupported Media Type: The body must be JSON."),
            "{}",
            verdict.feedback
        );
    }

    #[test]
    fn after_a_step_is_met_the_feedback_only_asks_for_the_next_one() {
        let goal =
            goal("[[steps]]\nstatus = 401\n[[steps]]\nstatus = 403\nhint = \"Now get 403.\"\n");
        let verdict = check(&goal, &[exchange("GET", "/api/tasks", 401, "{}")]);
        assert_eq!(
            verdict.feedback,
            "You got 401 Unauthorized. Step 1 of 2 is done. Now get 403."
        );
    }

    #[test]
    fn a_goal_survives_a_round_trip_through_a_toml_table_and_json() {
        let text = "[[steps]]\nmethod = \"PATCH\"\npath = \"/api/tasks/{id}\"\n\
                    response_json = { \"/done\" = true, \"/id\" = 3 }\n\
                    [[steps]]\nsame_path = true\nstatus = 404\n";
        let table: toml::Table = toml::from_str(text).unwrap();
        let goal: Goal = table.try_into().expect("a goal from the importer's table");
        let json = serde_json::to_string(&goal).unwrap();
        let back: Goal = serde_json::from_str(&json).unwrap();
        assert_eq!(back, goal);
        assert_eq!(goal.steps[0].response_json["/id"], serde_json::json!(3));
    }

    #[test]
    fn an_empty_history_says_how_to_begin() {
        let goal = goal("[[steps]]\nmethod = \"GET\"\npath = \"/api/tasks\"\n");
        let verdict = check(&goal, &[]);
        assert!(!verdict.passed);
        assert_eq!(
            verdict.feedback,
            "Send a request to begin. Send GET to /api/tasks."
        );
    }

    #[test]
    fn invalid_goals_are_refused() {
        for text in [
            "steps = []",
            "[[steps]]\nhint = \"nothing required\"",
            "[[steps]]\nmethod = \"FETCH\"",
            "[[steps]]\nsame_path = true\nstatus = 404",
            "[[steps]]\npath = \"api/tasks\"",
            "[[steps]]\nstatus = 99",
            "[[steps]]\nresponse_json = { done = true }",
        ] {
            let goal: Goal = toml::from_str(text).expect(text);
            assert!(goal.validate().is_err(), "{text} should be invalid");
        }
        assert!(toml::from_str::<Goal>("[[steps]]\nstatsu = 201").is_err());
    }
}
